// Import rules for scripts/ and server/: imports flow one way, down the layers; run by `make check`.
// Layers, bottom to top (an import may point down, or sideways within its own folder):
//   scripts/lib/core → contract → machine → processes → placement → load → doctor → results
//   → {planning, diff, report, chaos} (each may import anything below, never one another)
//   → drivers: scripts/*.ts and scripts/chaos/*.ts (may import anything in scripts/lib).
// server/** may import only scripts/lib/core (and itself). Type-only imports count; no cycles at all.
// NOTE: scripts/lib may import server/** (the drivers' server side), but scripts/lib/core may not: server imports core.

const LIB = "^scripts/lib/";
const ORDER = ["core", "contract", "machine", "processes", "placement", "load", "doctor", "results"];
const TOP = ["planning", "diff", "report", "chaos"];
const DRIVERS = "^scripts/(?:[^/]+\\.ts$|chaos/)";

const under = (folders) => `${LIB}(?:${folders.join("|")})/`;

// Each layer of ORDER may not import any layer above it (nor the top four, nor the drivers).
const upward = ORDER.map((layer, i) => ({
  name: `no-up-from-${layer}`,
  comment: `scripts/lib/${layer} may import only ${ORDER.slice(0, i + 1).join(", ")} (the layers at or below it)`,
  severity: "error",
  from: { path: `${LIB}${layer}/` },
  to: { path: [under([...ORDER.slice(i + 1), ...TOP]), DRIVERS] },
}));

// The top four may import every layer of ORDER, never one another (nor the drivers).
const sideways = TOP.map((layer) => ({
  name: `no-sideways-from-${layer}`,
  comment: `scripts/lib/${layer} may not import ${TOP.filter((t) => t !== layer).join(", ")} or the drivers`,
  severity: "error",
  from: { path: `${LIB}${layer}/` },
  to: { path: [under(TOP.filter((t) => t !== layer)), DRIVERS] },
}));

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
      from: { path: LIB, pathNot: under([...ORDER, ...TOP]) },
      to: {},
    },
    {
      name: "lib-folder-known-target",
      comment: "every folder of scripts/lib has a place in the layer order above (imported from it)",
      severity: "error",
      from: {},
      to: { path: LIB, pathNot: under([...ORDER, ...TOP]) },
    },
    ...upward,
    ...sideways,
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
