import { describe, expect, it } from 'vitest';
import { createStrategy, parseStrategyOptions, StrategyConfigError, STRATEGY_NAMES } from '../../src/engine/strategy/registry';
import { nb201Space } from '../../src/engine/space/nb201/space';

describe('createStrategy', () => {
  it.each(STRATEGY_NAMES.map((n) => [n]))('builds %s with defaults', (name) => {
    const s = createStrategy(name, nb201Space, undefined, 0);
    expect(s.name).toBe(name);
    expect(s.status).toBe('running');
    const c = s.ask()!;
    expect(c.id).toBe(0);
    expect(nb201Space.validate(c.genotype)).toEqual(c.genotype);
  });

  it('fills defaults and keeps given values', () => {
    expect(parseStrategyOptions('evolution', { populationSize: 20 })).toEqual({ populationSize: 20, sampleSize: 3, crossoverProb: 0 });
    expect(parseStrategyOptions('reinforce', {})).toEqual({ learningRate: 0.05, baselineMomentum: 0.9, entropyWeight: 0 });
    expect(parseStrategyOptions('random', { dedupe: false })).toEqual({ dedupe: false, maxRetries: 100 });
    expect(parseStrategyOptions('local', {})).toEqual({ neighbourSample: 0, firstImprovement: false, maxRetries: 100 });
  });

  const bad: [string, unknown, string][] = [
    ['evolution', { populationSize: 10, sampleSize: 20 }, 'evolution.sampleSize: sampleSize (20) must be <= populationSize (10)'],
    ['evolution', { populationSize: 2.5 }, 'evolution.populationSize: populationSize must be an integer'],
    ['evolution', { populationSize: '10' }, 'evolution.populationSize: populationSize must be a number'],
    ['evolution', { popSize: 10 }, 'evolution.popSize: unknown evolution option'],
    ['evolution', { crossoverProb: 1.5 }, 'evolution.crossoverProb: crossoverProb must be <= 1'],
    ['reinforce', { learningRate: 0 }, 'reinforce.learningRate: learningRate must be > 0'],
    ['reinforce', { baselineMomentum: 1 }, 'reinforce.baselineMomentum: baselineMomentum must be < 1'],
    ['reinforce', { entropyWeight: -1 }, 'reinforce.entropyWeight: entropyWeight must be >= 0'],
    ['random', { dedupe: 'yes' }, 'random.dedupe: dedupe must be true or false'],
    ['random', { maxRetries: -1 }, 'random.maxRetries: maxRetries must be >= 0'],
    ['local', { neighbourSample: -2 }, 'local.neighbourSample: neighbourSample must be >= 0'],
    ['local', 'fast', 'local: local options must be an object'],
  ];
  it.each(bad)('%s %j -> %s', (name, options, message) => {
    expect(() => createStrategy(name, nb201Space, options, 0)).toThrow(message);
    try {
      createStrategy(name, nb201Space, options, 0);
    } catch (e) {
      expect(e).toBeInstanceOf(StrategyConfigError);
      expect((e as StrategyConfigError).issues).toContain(message);
    }
  });

  it('reports every problem at once', () => {
    expect(() => createStrategy('reinforce', nb201Space, { learningRate: -1, entropyWeight: -1 }, 0)).toThrow(
      'reinforce.learningRate: learningRate must be > 0; reinforce.entropyWeight: entropyWeight must be >= 0',
    );
  });

  it('rejects an unknown strategy and a bad seed', () => {
    expect(() => createStrategy('darts', nb201Space, {}, 0)).toThrow('unknown strategy "darts" (expected one of: random, evolution, reinforce, local)');
    expect(() => createStrategy('random', nb201Space, {}, NaN)).toThrow('seed must be a finite number, got NaN');
  });
});
