// asl-validator ships no types; this is the part of its 4.x API the tests use. It adds
// `QueryLanguage` to every state of the definition it is given: validate a copy.
declare module 'asl-validator' {
  export default function validate(
    definition: unknown,
    options?: { checkArn?: boolean; checkPaths?: boolean },
  ): {
    isValid: boolean;
    errors: { 'Error code': string; Message: string }[];
    errorsText(separator?: string): string;
  };
}
