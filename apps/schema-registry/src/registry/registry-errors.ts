/** An error in Confluent Schema Registry's terms: HTTP status plus the `error_code` clients switch on. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** Confluent's error codes and messages, so existing clients recognise them. */
export const RegistryErrors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (subject: string, version: number | string) =>
    new RegistryError(404, 40402, `Version ${version} not found for subject '${subject}'.`),
  schemaNotFound: (what = 'Schema') => new RegistryError(404, 40403, `${what} not found`),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectConfigNotFound: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  incompatible: (subject: string, problems: string[]) =>
    new RegistryError(
      409,
      409,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: ${problems.join('; ')}`,
    ),
  invalidSchema: (message: string) => new RegistryError(422, 42201, message),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibilityLevel: (given: unknown) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level ${JSON.stringify(given)}. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL and FULL_TRANSITIVE`,
    ),
  malformedBody: (message: string) => new RegistryError(400, 400, `Malformed JSON request body: ${message}`),
  storeError: () => new RegistryError(500, 50001, 'Error in the backend data store'),
};
