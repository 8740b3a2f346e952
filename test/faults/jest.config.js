/** The fault suite (npm run faults; scripts/test.sh runs it after the main suite): real faults on throwaway clusters. */
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
module.exports = {
  rootDir: root,
  displayName: "faults",
  testEnvironment: "node",
  roots: ["<rootDir>/test/faults"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: path.join(root, "tsconfig.json"), diagnostics: { warnOnly: false } }] },
  testTimeout: 300000,
  maxWorkers: 2,
  verbose: true,
};
