// asl-validator ships no types; this is the part of its API the tests use.
declare module 'asl-validator' {
  export default function validate(
    definition: unknown,
    options?: { checkArn?: boolean; checkPaths?: boolean },
  ): { isValid: boolean; errors: { message: string }[]; errorsText(separator?: string): string };
}
