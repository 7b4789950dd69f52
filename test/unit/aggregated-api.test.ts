import { expect } from 'chai';
import {
  aggregatedApiObjects,
  apiServiceName,
  EXTERNAL_METRICS,
  serviceDnsName,
} from '../../src/controlplane/aggregated-api.js';

describe('registering a loopback server as an aggregated API', () => {
  const api = {
    ...EXTERNAL_METRICS,
    namespace: 'keda',
    serviceName: 'keda-metrics-apiserver',
    port: 41234,
    caPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  };

  it('routes the group through an ExternalName Service to localhost on the server port', () => {
    const [service, apiService] = aggregatedApiObjects(api) as Record<string, any>[];
    expect(service).to.deep.include({ kind: 'Service' });
    expect(service!.metadata).to.deep.equal({ namespace: 'keda', name: 'keda-metrics-apiserver' });
    expect(service!.spec).to.deep.equal({ type: 'ExternalName', externalName: 'localhost' });
    expect(apiService!.metadata.name).to.equal('v1beta1.external.metrics.k8s.io');
    expect(apiService!.spec.service).to.deep.equal({
      namespace: 'keda',
      name: 'keda-metrics-apiserver',
      port: 41234,
    });
  });

  it('trusts the server through its CA rather than skipping TLS verification', () => {
    const apiService = aggregatedApiObjects(api)[1] as Record<string, any>;
    expect(Buffer.from(apiService.spec.caBundle, 'base64').toString()).to.equal(api.caPem);
    expect(apiService.spec).not.to.have.property('insecureSkipTLSVerify');
  });

  it('names the APIService and the certificate DNS name the way the aggregator looks them up', () => {
    expect(apiServiceName(EXTERNAL_METRICS)).to.equal('v1beta1.external.metrics.k8s.io');
    expect(serviceDnsName(api)).to.equal('keda-metrics-apiserver.keda.svc');
  });
});
