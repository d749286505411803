/**
 * Errors that reach the user as one clear message and an exit code, never a stack trace.
 * They live in src/errors.ts (bottom layer, so every layer can raise them); this module
 * re-exports them for the CLI.
 */
export {
  EXIT,
  InputError,
  RunError,
  PathError,
  DiskError,
  VramgateError,
  formatProblem,
  exitCodeOf,
  fsError,
  clip,
  quote,
  type InputProblem,
} from "../errors.js";
