// Mocha root hooks for the integration suites: one control plane for the run.
import { startTestEnv, stopTestEnv } from './env.js';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await startTestEnv();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stopTestEnv();
  },
};
