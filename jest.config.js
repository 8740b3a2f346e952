/** Jest runs the TypeScript tests directly; cluster-backed tests start their own throwaway cluster. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/native", "<rootDir>/provider", "<rootDir>/sdk", "<rootDir>/bench"],
  testMatch: ["**/*.test.ts"],
  // The fault suite is a jest project of its own (test/faults/jest.config.js).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/faults/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: true,
};
