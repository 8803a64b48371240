import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { components, operationSchemas, type Schema } from "../../adapters/admin-api/admin-api-v3.schemas";
import type { AdminApiOperationId } from "../../adapters/admin-api/operations";

/**
 * Checks requests and answers against the schemas written from the Admin API's spec
 * (admin-api-v3.schemas.ts): the stand-in refuses a request that does not match, and the tests
 * check every request our clients made and every answer the stand-in gave.
 */
export interface SpecValidator {
  /** Problems of a request's query and body (empty when it matches). */
  request(
    operation: AdminApiOperationId,
    query: Readonly<Record<string, string>>,
    body: unknown,
    hasBody: boolean,
  ): string[];
  /** Problems of an answer (empty when it matches): its status must be one the operation lists, or an error status with the spec's Error. */
  answer(operation: AdminApiOperationId, status: number, body: unknown): string[];
}

export function createSpecValidator(): SpecValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Schema) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ $defs: components, ...schema });
      compiled.set(key, validate);
    }
    return validate;
  };
  const check = (key: string, schema: Schema, value: unknown, what: string): string[] => {
    const validate = compile(key, schema);
    return validate(value) ? [] : describe(what, validate.errors || []);
  };
  return {
    request(operation, query, body, hasBody) {
      const spec = operationSchemas[operation];
      const problems: string[] = [];
      const names = Object.keys(query);
      if (!spec.query && names.length > 0)
        problems.push(`query: ${operation} takes no query parameters (${names.join(", ")})`);
      if (spec.query) problems.push(...check(`${operation} query`, spec.query, query, "query"));
      if (spec.request && !hasBody) problems.push(`body: ${operation} needs a JSON body`);
      if (!spec.request && hasBody) problems.push(`body: ${operation} takes no body`);
      if (spec.request && hasBody) problems.push(...check(`${operation} request`, spec.request, body, "body"));
      return problems;
    },
    answer(operation, status, body) {
      const spec = operationSchemas[operation];
      const key = String(status);
      if (key in spec.responses) {
        const schema = spec.responses[key];
        if (schema === null)
          return body === undefined ? [] : [`answer ${status}: ${operation} answers ${status} without a body`];
        return check(`${operation} ${key}`, schema, body, `answer ${status}`);
      }
      if (status >= 400) return check("Error", { $ref: "#/$defs/Error" }, body, `answer ${status}`);
      return [
        `answer ${status}: ${operation} does not answer ${status} (the spec lists ${Object.keys(spec.responses).join(", ")})`,
      ];
    },
  };
}

function describe(what: string, errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const at = e.instancePath === "" ? what : `${what}${e.instancePath.replace(/\//g, ".")}`;
    const extra =
      e.keyword === "unevaluatedProperties" || e.keyword === "additionalProperties"
        ? ` (${String((e.params as { unevaluatedProperty?: string; additionalProperty?: string }).unevaluatedProperty ?? (e.params as { additionalProperty?: string }).additionalProperty)})`
        : "";
    return `${at} ${e.message ?? e.keyword}${extra}`;
  });
}
