export * from './address.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './http.ts';
export * from './ids.ts';
export * from './message.ts';
export * from './provider.ts';
export * from './stores.ts';
