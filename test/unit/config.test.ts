import { expect } from 'chai';
import { ConfigError, parseConfig, parseDuration } from '../../src/config.js';

describe('operator configuration', () => {
  it('has sensible defaults with no flags and no environment', () => {
    const c = parseConfig([], {});
    expect(c).to.include({
      logLevel: 'info',
      logFormat: 'json',
      httpBindAddress: ':8081',
      leaderElect: true,
      leaderElectionNamespace: 'prism-system',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      maxConcurrentReconciles: 4,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      LOG_LEVEL: 'debug',
      LEADER_ELECT: 'false',
      POD_NAMESPACE: 'ops',
    };
    const c = parseConfig(['--log-level=warn', '--lease-duration', '30s', '--renew-deadline=20s'], env);
    expect(c.logLevel).to.equal('warn');
    expect(c.leaderElect).to.equal(false);
    expect(c.leaderElectionNamespace).to.equal('ops');
    expect(c.leaseDurationMs).to.equal(30_000);
  });

  it('reads WATCH_NAMESPACES as a list (empty means every namespace) and rejects bad names', () => {
    expect(parseConfig([], {}).watchNamespaces).to.deep.equal([]);
    expect(parseConfig([], { WATCH_NAMESPACES: ' shop, ops ,shop,' }).watchNamespaces).to.deep.equal([
      'shop',
      'ops',
    ]);
    expect(parseConfig(['--watch-namespaces=a'], { WATCH_NAMESPACES: 'b' }).watchNamespaces).to.deep.equal([
      'a',
    ]);
    expect(() => parseConfig([], { WATCH_NAMESPACES: 'ok,Not_Valid' })).to.throw(
      ConfigError,
      /WATCH_NAMESPACES: not valid namespace names: Not_Valid/,
    );
  });

  it('accepts --flag, --no-flag and --flag=false for booleans', () => {
    expect(parseConfig(['--leader-elect=false'], {}).leaderElect).to.equal(false);
    expect(parseConfig(['--no-leader-elect'], {}).leaderElect).to.equal(false);
    expect(parseConfig(['--leader-elect'], { LEADER_ELECT: 'false' }).leaderElect).to.equal(true);
  });

  it('reports every bad value at once, naming the flag and the environment variable', () => {
    try {
      parseConfig(['--max-concurrent-reconciles=0', '--log-format=xml'], {
        QUEUE_QPS: 'fast',
        LEASE_DURATION: 'soon',
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).to.include(
        '--max-concurrent-reconciles / MAX_CONCURRENT_RECONCILES: must be at least 1',
      );
      expect(problems).to.include('--log-format / LOG_FORMAT: expected one of json, text, got "xml"');
      expect(problems).to.include('--queue-qps / QUEUE_QPS: expected a number, got "fast"');
      expect(problems).to.include('--lease-duration / LEASE_DURATION: expected a duration');
    }
  });

  it('rejects unknown flags and inconsistent leader-election timings', () => {
    expect(() => parseConfig(['--bogus=1'], {})).to.throw(ConfigError, /bogus/);
    expect(() => parseConfig(['--lease-duration=5s', '--renew-deadline=10s'], {})).to.throw(
      /lease-duration must be greater than renew-deadline/,
    );
    expect(() =>
      parseConfig(['--renew-deadline=2s', '--retry-period=2s', '--lease-duration=3s'], {}),
    ).to.throw(/renew-deadline must be greater than 1.2/);
  });

  it('parses durations', () => {
    expect(parseDuration('15s')).to.equal(15_000);
    expect(parseDuration('500ms')).to.equal(500);
    expect(parseDuration('2m')).to.equal(120_000);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(parseDuration('250')).to.equal(250);
    expect(parseDuration('soon')).to.equal(undefined);
  });
});
