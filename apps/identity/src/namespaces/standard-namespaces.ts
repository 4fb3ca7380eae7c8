import type { NamespaceType } from '@weft/identity-graph';

/** Graph namespace types plus the two kinds that never join identity graphs. */
export type NamespaceKind = NamespaceType | 'NON_PEOPLE' | 'PARTNER';

export const NAMESPACE_KINDS: readonly NamespaceKind[] = [
  'CROSS_DEVICE',
  'EMAIL',
  'PHONE',
  'DEVICE',
  'COOKIE',
  'NON_PEOPLE',
  'PARTNER',
];

export interface StandardNamespace {
  code: string;
  name: string;
  type: NamespaceKind;
  description: string;
}

/** The namespaces every sandbox starts with, in the default priority order (people, then devices, then cookies). */
export const STANDARD_NAMESPACES: readonly StandardNamespace[] = [
  { code: 'CRMID', name: 'CRM ID', type: 'CROSS_DEVICE', description: 'Customer id of a CRM system' },
  { code: 'loginID', name: 'Login ID', type: 'CROSS_DEVICE', description: 'Id a person signs in with' },
  { code: 'Email', name: 'Email', type: 'EMAIL', description: 'Email address' },
  { code: 'Email_LC_SHA256', name: 'Emails (SHA256, lowercased)', type: 'EMAIL', description: 'SHA-256 of the lowercased email address' },
  { code: 'Phone', name: 'Phone', type: 'PHONE', description: 'Phone number' },
  { code: 'Phone_E.164', name: 'Phone (E.164)', type: 'PHONE', description: 'Phone number in E.164 format' },
  { code: 'Phone_SHA256', name: 'Phone (SHA256)', type: 'PHONE', description: 'SHA-256 of the phone number' },
  { code: 'IDFA', name: 'Apple IDFA', type: 'DEVICE', description: 'Apple ID for Advertisers' },
  { code: 'GAID', name: 'Google Ad ID', type: 'DEVICE', description: 'Google Advertising ID' },
  { code: 'WAID', name: 'Windows AID', type: 'DEVICE', description: 'Windows Advertising ID' },
  { code: 'APNS', name: 'Apple push token', type: 'DEVICE', description: 'Apple Push Notification service token' },
  { code: 'FCM', name: 'Firebase push token', type: 'DEVICE', description: 'Firebase Cloud Messaging token' },
  { code: 'ECID', name: 'Experience Cloud ID', type: 'COOKIE', description: 'Experience Cloud ID (38 digits)' },
  { code: 'AAID', name: 'Adobe Analytics ID', type: 'COOKIE', description: 'Adobe Analytics legacy visitor id' },
  { code: 'TNTID', name: 'Target ID', type: 'COOKIE', description: 'Adobe Target visitor id' },
];

/** Default linking rules: every standard namespace in the order above; one CRM id per graph. */
export const DEFAULT_IDENTITY_RULES = {
  priority: STANDARD_NAMESPACES.map((ns) => ns.code),
  unique: ['CRMID'],
};
