import { aConfig, ecid, id } from '../../test/identity-graph.fixtures';
import { primaryIdentity } from '../index';

describe(primaryIdentity.name, () => {
  const config = aConfig().build();

  it('picks the identity of the highest-priority namespace, whatever the order', () => {
    expect(
      primaryIdentity([ecid(1), id('IDFA', 'd1'), id('Email', 'a@b.c'), id('loginID', 'l1')], config),
    ).toEqual(id('Email', 'a@b.c'));
  });

  it('ignores blocked values and namespaces that are not configured', () => {
    expect(primaryIdentity([id('CRMID', 'anonymous'), id('Partner', 'p'), ecid(1)], config)).toEqual(ecid(1));
  });

  it('keeps the first of several values of the same namespace', () => {
    expect(primaryIdentity([ecid(2), ecid(1)], config)).toEqual(ecid(2));
  });

  it('has no primary identity without a valid identity', () => {
    expect(primaryIdentity([id('ECID', '12')], config)).toBeUndefined();
  });
});
