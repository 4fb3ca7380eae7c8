import { checkConsent } from './consent';

const withConsents = (consents: unknown, extra: object = {}) => ({ consents, ...extra });

describe(checkConsent.name, () => {
  it('allows a profile without consents', () => {
    expect(checkConsent({}, 'email')).toEqual({ allowed: true });
  });

  it('refuses a channel that says n or dn', () => {
    expect(checkConsent(withConsents({ marketing: { email: { val: 'n' } } }), 'email')).toEqual({
      allowed: false,
      reason: 'consent.marketing.email',
    });
    expect(checkConsent(withConsents({ marketing: { sms: { val: 'dn' } } }), 'sms')).toEqual({
      allowed: false,
      reason: 'consent.marketing.sms',
    });
  });

  it('lets other channels through when one channel says no', () => {
    expect(checkConsent(withConsents({ marketing: { email: { val: 'n' } } }), 'push')).toEqual({ allowed: true });
  });

  it('treats marketing.any = n as a refusal of every channel, even one that says y', () => {
    const consents = withConsents({ marketing: { any: { val: 'n' }, email: { val: 'y' } } });
    expect(checkConsent(consents, 'email')).toEqual({ allowed: false, reason: 'consent.marketing.any' });
  });

  it('does not refuse pending or unknown values', () => {
    expect(checkConsent(withConsents({ marketing: { email: { val: 'p' } } }), 'email').allowed).toBe(true);
    expect(checkConsent(withConsents({ marketing: { email: { val: 'u' } } }), 'email').allowed).toBe(true);
  });

  it('reads share consent for ads', () => {
    expect(checkConsent(withConsents({ share: { val: 'n' } }), 'ads')).toEqual({ allowed: false, reason: 'consent.share' });
    expect(checkConsent(withConsents({ share: { val: 'n' } }), 'email').allowed).toBe(true);
  });

  it('honours the legacy general opt-out', () => {
    const profile = { privacyOptOuts: [{ optOutType: 'general_opt_out', optOutValue: 'out' }] };
    expect(checkConsent(profile, 'sms')).toEqual({ allowed: false, reason: 'consent.general_opt_out' });
  });

  it('skips the check for channel none', () => {
    expect(checkConsent(withConsents({ marketing: { any: { val: 'n' } } }), 'none')).toEqual({ allowed: true });
  });
});
