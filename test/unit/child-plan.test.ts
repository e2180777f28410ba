// Which roles each child of a supervised npm start runs (issue 12: the worker role in niced children of its own).
import { describe, expect, it } from 'vitest';
import { childPlan } from '../../src/config/child-plan.js';

const plan = (roles: string[], processes: number, workerProcesses: number, workerNice = 19) =>
  childPlan({ roles: roles as never, processes, workerProcesses, workerNice }).map((c) => `${c.roles.join('+')}/${c.nice}`);

describe('childPlan', () => {
  it('puts the worker role in niced children of its own, after the others', () => {
    expect(plan(['gateway', 'worker', 'api'], 2, 1)).toEqual(['gateway+api/0', 'worker/19']);
    expect(plan(['gateway', 'worker', 'api'], 5, 2, 10)).toEqual(['gateway+api/0', 'gateway+api/0', 'gateway+api/0', 'worker/10', 'worker/10']);
    expect(plan(['worker', 'gateway'], 2, 1)).toEqual(['gateway/0', 'worker/19']);
  });

  it('runs every role in every child when told to (0) or when there is nothing to split', () => {
    expect(plan(['gateway', 'worker', 'api'], 2, 0)).toEqual(['gateway+worker+api/0', 'gateway+worker+api/0']);
    expect(plan(['worker'], 3, 1)).toEqual(['worker/0', 'worker/0', 'worker/0']);
    expect(plan(['gateway', 'api'], 2, 1)).toEqual(['gateway+api/0', 'gateway+api/0']);
    expect(plan(['gateway', 'worker', 'api'], 1, 1)).toEqual(['gateway+worker+api/0']);
  });
});
