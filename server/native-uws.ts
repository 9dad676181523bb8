// Load uWebSockets.js and prove the native binary is what loaded, not the package's slow JS fallback.

import type * as Uws from "uWebSockets.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export type UwsModule = typeof Uws;

export interface NativeUws {
  uws: UwsModule;
  native: boolean;
  binary: string | null;
}

// NOTE: the package catches a failed native load, prints "Falling back" and returns a pure-JS server
// (also when UWS_USE_FALLBACK=1). The only reliable proof is a uws_*.node addon in the module cache.
export function loadUws(): NativeUws {
  const uws = require("uWebSockets.js") as UwsModule;
  const binary = Object.keys(require.cache).find((k) => /[\\/]uws_[^\\/]+\.node$/.test(k)) ?? null;
  return { uws, native: binary !== null, binary };
}
