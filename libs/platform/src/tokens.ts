/** Injection token of the service's validated configuration object. */
export const CONFIG = Symbol('WEFT_CONFIG');
/** Injection token of the options the service passed to PlatformModule.forRoot. */
export const PLATFORM_OPTIONS = Symbol('WEFT_PLATFORM_OPTIONS');
