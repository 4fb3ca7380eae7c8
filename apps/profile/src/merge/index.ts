export * from './attributes';
export * from './fragment';
export * from './merge-profile';
export * from './guardrails';
export * from './profile-change';
export * from './primary-identity';
