/**
 * The fields of zod 4 issues that vramgate's error messages read: a loose view over zod's
 * issue union, shared by the scenario and the results-file validators.
 */
export interface ZodIssueView {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  errors?: ZodIssueView[][];
  issues?: ZodIssueView[];
  options?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  exact?: boolean;
  origin?: string;
}
