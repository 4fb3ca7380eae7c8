export * from './integration-env';
export * from './unique';
export * from './eventually';
export * from './postgres';
export * from './kafka';
export * from './bench';
