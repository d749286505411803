/**
 * Every test must assert: a test that runs no expect() fails ("expected any number of
 * assertion, but got none") instead of passing without checking anything. A test that does
 * not apply on this machine is skipped with it.skipIf(…) and a reason, never left empty.
 */
import { beforeEach, expect } from "vitest";

beforeEach(() => {
  expect.hasAssertions();
});
