// Import rules for scripts/ and server/: imports flow one way, down the layers; run by `make check`.
// Layers, bottom to top (an import may point down, or sideways within its own folder):
//   scripts/lib/core → contract → machine → processes → placement → load → doctor → results → model → notes
//   → {sweep, compare, diff, report, chaos} (each may import anything below, never one another)
//   → drivers: scripts/*.ts and scripts/chaos/*.ts (may import anything in scripts/lib).
// server/** may import only scripts/lib/core (and itself). Type-only imports count; no cycles at all.
// NOTE: scripts/lib may import server/** (the drivers' server side), but scripts/lib/core may not: server imports core.
// NOTE: model sits below notes: the notes render the model (coefficients, plans, its check against the cells);
// the model reads records only. The sweep's page charts the notes' cells, so sweep sits above notes.

const LIB = "^scripts/lib/";
// Each tier: folders that may import every lower tier, never one another.
const TIERS = [
  ["core"],
  ["contract"],
  ["machine"],
  ["processes"],
  ["placement"],
  ["load"],
  ["doctor"],
  ["results"],
  ["model"],
  ["notes"],
  ["sweep", "compare", "diff", "report", "chaos"],
];
const FOLDERS = TIERS.flat();
const DRIVERS = "^scripts/(?:[^/]+\\.ts$|chaos/)";

const under = (folders) => `${LIB}(?:${folders.join("|")})/`;
const below = (i) => TIERS.slice(0, i).flat();

// Each folder may import only the tiers below its own (and itself): never a higher tier, a sibling, or a driver.
const layered = TIERS.flatMap((tier, i) =>
  tier.map((layer) => ({
    name: `layer-${layer}`,
    comment: `scripts/lib/${layer} may import only ${[...below(i), layer].join(", ")}`,
    severity: "error",
    from: { path: `${LIB}${layer}/` },
    to: { path: [under(FOLDERS.filter((f) => f !== layer && !below(i).includes(f))), DRIVERS] },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycles at all, type-only ones included",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-folder-known",
      comment: "every folder of scripts/lib has a place in the layer order above (importing from it)",
      severity: "error",
      from: { path: LIB, pathNot: under(FOLDERS) },
      to: {},
    },
    {
      name: "lib-folder-known-target",
      comment: "every folder of scripts/lib has a place in the layer order above (imported from it)",
      severity: "error",
      from: {},
      to: { path: LIB, pathNot: under(FOLDERS) },
    },
    ...layered,
    {
      name: "server-only-core",
      comment: "server/** may import only scripts/lib/core (and itself) from this repository",
      severity: "error",
      from: { path: "^server/" },
      to: { path: "^scripts/", pathNot: `${LIB}core/` },
    },
    {
      name: "core-not-server",
      comment: "server imports scripts/lib/core, so core may not import server",
      severity: "error",
      from: { path: `${LIB}core/` },
      to: { path: "^server/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(?:node_modules|results|wrk|docs|configs)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
