import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterMode, kubeconfigFiles } from '../../src/cli/cluster-choice.js';
import { localSettings } from '../../src/cli/local-run.js';

describe('local-run settings', () => {
  it('logs text at a terminal and JSON otherwise, unless LOG_FORMAT or --log-format say', () => {
    expect(localSettings([], {}, true).config.logFormat).to.equal('text');
    expect(localSettings([], {}, false).config.logFormat).to.equal('json');
    expect(localSettings([], { LOG_FORMAT: 'json' }, true).config.logFormat).to.equal('json');
    expect(localSettings(['--log-format=text'], {}, false).config.logFormat).to.equal('text');
  });

  it('runs without leader election unless asked for it', () => {
    expect(localSettings([], {}, false).config.leaderElect).to.equal(false);
    expect(localSettings(['--leader-elect'], {}, false).config.leaderElect).to.equal(true);
    expect(localSettings([], { LEADER_ELECT: 'true' }, false).config.leaderElect).to.equal(true);
  });

  it('keeps the embedded control plane state in .controlplane/ unless PRISM_LOCAL_STATE_DIR says', () => {
    expect(localSettings([], {}, false).stateDir).to.match(/\/\.controlplane$/);
    expect(localSettings([], { PRISM_LOCAL_STATE_DIR: '/tmp/x' }, false).stateDir).to.equal('/tmp/x');
  });

  it('accepts LOCAL_CLUSTER=embedded|current (empty: decide by asking the cluster) and rejects typos', () => {
    expect(clusterMode(undefined)).to.equal('auto');
    expect(clusterMode('embedded')).to.equal('embedded');
    expect(clusterMode('current')).to.equal('current');
    expect(() => clusterMode('kind')).to.throw('LOCAL_CLUSTER must be embedded, current or empty');
  });

  it('reads the kubeconfig files kubectl would: existing $KUBECONFIG entries, else ~/.kube/config', () => {
    const home = mkdtempSync(join(tmpdir(), 'prism-home-'));
    const a = join(home, 'a');
    writeFileSync(a, '');
    expect(kubeconfigFiles({ KUBECONFIG: `${a}:${join(home, 'missing')}`, HOME: home })).to.deep.equal([a]);
    expect(kubeconfigFiles({ HOME: home })).to.deep.equal([]);
  });
});
