// Where the lab lives: the repository's root directory, for configs/, server/ and wrk/ paths.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
