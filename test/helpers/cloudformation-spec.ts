/**
 * Checks a CloudFormation template against the resource specification that AWS publishes (the
 * registry schemas of every resource type), as the AWS CDK team keeps it in `@aws-cdk/aws-service-spec`:
 * every resource type exists, every property is one the type has, required properties are there,
 * literal values have the property's type (and one of its allowed values), nested property types
 * are checked the same way, every Fn::GetAtt names an attribute the type returns, and every Ref,
 * Fn::Sub variable and Condition names something the template defines. Intrinsic functions stand
 * for values that cannot be known before a deploy; a Ref to a parameter is checked against the
 * parameter's type.
 */
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";

type SpecType =
  | {
      type: "string" | "number" | "integer" | "boolean" | "json" | "date-time" | "null" | "tag";
      allowedValues?: unknown[];
    }
  | { type: "array" | "map"; element: SpecType }
  | { type: "ref"; reference: { $ref: string } }
  | { type: "union"; types: SpecType[] };

interface SpecProperty {
  type: SpecType;
  required?: boolean;
  previousTypes?: SpecType[];
}

interface SpecResource {
  cloudFormationType: string;
  properties: Record<string, SpecProperty>;
  attributes: Record<string, unknown>;
}

interface Template {
  Parameters?: Record<string, { Type: string }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Condition?: string; Value: unknown }>;
  Rules?: Record<string, unknown>;
}

const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

let loaded: ReturnType<typeof loadAwsServiceSpecSync> | undefined;
function spec() {
  return (loaded = loaded || loadAwsServiceSpecSync());
}

export function resourceSpec(type: string): SpecResource | undefined {
  const found = spec().lookup("resource", "cloudFormationType", "equals", type);
  return found.length === 1 ? (found[0] as unknown as SpecResource) : undefined;
}

function typeDefinition(id: string): { name: string; properties: Record<string, SpecProperty> } {
  return spec().get("typeDefinition", id) as unknown as { name: string; properties: Record<string, SpecProperty> };
}

const isIntrinsic = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::[A-Za-z]+)$/.test(Object.keys(value)[0]);

/** Every problem found, each naming the resource and the property path; empty when the template is valid. */
export function validateTemplate(template: Template): string[] {
  const problems: string[] = [];
  const parameters = template.Parameters || {};
  const conditions = template.Conditions || {};
  const resources = template.Resources;
  const names = new Set([...Object.keys(parameters), ...Object.keys(resources), ...PSEUDO_PARAMETERS]);
  const context = { template, problems, names };

  for (const [name, resource] of Object.entries(resources)) {
    if (resource.Condition !== undefined && !(resource.Condition in conditions))
      problems.push(`${name}: Condition ${resource.Condition} is not defined`);
    const type = resourceSpec(resource.Type);
    if (!type) {
      problems.push(`${name}: ${resource.Type} is not a resource type of the specification`);
      continue;
    }
    checkObject(context, `${name}`, resource.Properties || {}, type.properties);
  }
  for (const [name, output] of Object.entries(template.Outputs || {})) {
    if (output.Condition !== undefined && !(output.Condition in conditions))
      problems.push(`Outputs.${name}: Condition ${output.Condition} is not defined`);
    checkIntrinsics(context, `Outputs.${name}`, output.Value);
  }
  checkIntrinsics(context, "Conditions", conditions);
  checkIntrinsics(context, "Rules", template.Rules || {});
  return problems;
}

type Context = { template: Template; problems: string[]; names: Set<string> };

function checkObject(context: Context, path: string, value: unknown, properties: Record<string, SpecProperty>): void {
  if (isIntrinsic(value)) return checkIntrinsics(context, path, value);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    context.problems.push(`${path}: must be an object`);
    return;
  }
  const given = value as Record<string, unknown>;
  for (const [key, property] of Object.entries(properties))
    if (property.required && !(key in given)) context.problems.push(`${path}.${key}: required, missing`);
  for (const [key, inner] of Object.entries(given)) {
    const property = properties[key];
    if (!property) context.problems.push(`${path}.${key}: not a property of the specification`);
    else checkValue(context, `${path}.${key}`, inner, property.type);
  }
}

function checkValue(context: Context, path: string, value: unknown, type: SpecType): void {
  if (isIntrinsic(value)) return checkIntrinsics(context, path, value, type);
  const problems = context.problems;
  switch (type.type) {
    case "string":
    case "date-time":
      if (typeof value !== "string") problems.push(`${path}: must be a string, is ${JSON.stringify(value)}`);
      else if (type.allowedValues && !type.allowedValues.includes(value))
        problems.push(`${path}: "${value}" is not one of ${type.allowedValues.join(", ")}`);
      return;
    case "number":
    case "integer":
      // CloudFormation takes numbers written as strings too.
      if (typeof value !== "number" && !(typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)))
        problems.push(`${path}: must be a number, is ${JSON.stringify(value)}`);
      else if (type.type === "integer" && !Number.isInteger(Number(value)))
        problems.push(`${path}: must be an integer`);
      else if (type.allowedValues && !type.allowedValues.includes(Number(value)))
        problems.push(`${path}: ${value} is not one of ${type.allowedValues.join(", ")}`);
      return;
    case "boolean":
      if (typeof value !== "boolean" && value !== "true" && value !== "false")
        problems.push(`${path}: must be a boolean, is ${JSON.stringify(value)}`);
      return;
    case "json":
      if (typeof value !== "object" || value === null) problems.push(`${path}: must be a JSON object`);
      else checkIntrinsics(context, path, value);
      return;
    case "tag":
      return checkObject(context, path, value, {
        Key: { type: { type: "string" }, required: true },
        Value: { type: { type: "string" }, required: true },
      });
    case "array":
      if (!Array.isArray(value)) problems.push(`${path}: must be a list`);
      else value.forEach((item, i) => checkValue(context, `${path}[${i}]`, item, type.element));
      return;
    case "map":
      if (typeof value !== "object" || value === null || Array.isArray(value)) problems.push(`${path}: must be a map`);
      else for (const [k, v] of Object.entries(value)) checkValue(context, `${path}.${k}`, v, type.element);
      return;
    case "ref":
      return checkObject(context, path, value, typeDefinition(type.reference.$ref).properties);
    case "union": {
      // Valid when one member accepts it; otherwise the first member's complaints are the report.
      const trials = type.types.map((member) => {
        const sub = { ...context, problems: [] as string[] };
        checkValue(sub, path, value, member);
        return sub.problems;
      });
      if (!trials.some((t) => t.length === 0)) problems.push(...trials[0]);
      return;
    }
    default:
      return;
  }
}

/** Refs, GetAtts, Sub variables and Condition names inside `value`, wherever they are. */
function checkIntrinsics(context: Context, path: string, value: unknown, expected?: SpecType): void {
  if (Array.isArray(value)) return value.forEach((item, i) => checkIntrinsics(context, `${path}[${i}]`, item));
  if (typeof value !== "object" || value === null) return;
  const { template, problems, names } = context;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (key === "Ref") {
      if (typeof inner !== "string" || !names.has(inner)) problems.push(`${path}: Ref ${String(inner)} is not defined`);
      else if (expected && template.Parameters?.[inner]) checkParameterType(context, path, inner, expected);
    } else if (key === "Fn::GetAtt") {
      const [resource, attribute] = Array.isArray(inner) ? inner : String(inner).split(".");
      const target = template.Resources[resource as string];
      const type = target && resourceSpec(target.Type);
      if (!target) problems.push(`${path}: Fn::GetAtt names ${resource}, not a resource`);
      else if (type && !(String(attribute) in type.attributes))
        problems.push(`${path}: ${target.Type} has no attribute ${attribute}`);
    } else if (key === "Fn::Sub") {
      const text = Array.isArray(inner) ? inner[0] : inner;
      const local = Array.isArray(inner) ? Object.keys(inner[1] || {}) : [];
      for (const [, variable, attribute] of String(text).matchAll(/\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z.]+))?\}/g)) {
        if (local.includes(variable)) continue;
        if (!names.has(variable)) problems.push(`${path}: Fn::Sub names \${${variable}}, which is not defined`);
        else if (attribute) {
          const type = resourceSpec(template.Resources[variable]?.Type ?? "");
          if (type && !(attribute in type.attributes))
            problems.push(`${path}: ${variable} has no attribute ${attribute}`);
        }
      }
      if (Array.isArray(inner)) checkIntrinsics(context, path, inner[1]);
    } else if (key === "Fn::If" || (key === "Condition" && typeof inner === "string")) {
      // A string Condition is a condition's name (inside Fn::And/Or/Not); an object one is an IAM policy's.
      const name = key === "Fn::If" ? (inner as unknown[])[0] : inner;
      if (typeof name !== "string" || !(name in (template.Conditions || {})))
        problems.push(`${path}: condition ${String(name)} is not defined`);
      if (key === "Fn::If") checkIntrinsics(context, path, (inner as unknown[]).slice(1));
    } else checkIntrinsics(context, `${path}.${key}`, inner);
  }
}

function checkParameterType(context: Context, path: string, name: string, expected: SpecType): void {
  const declared = context.template.Parameters![name].Type;
  const numeric = expected.type === "number" || expected.type === "integer";
  if (numeric && declared !== "Number")
    context.problems.push(`${path}: Ref ${name} is a ${declared}, a number is expected`);
}
