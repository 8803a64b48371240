import {
  functionAnswer,
  newId,
  nowSeconds,
  triggerAnswer,
  valueAnswer,
  type AppConfig,
  type StoredFunction,
  type StoredTrigger,
} from "./app-store";

/**
 * The stand-in's functions, triggers, values, secrets and services (the requests' shapes were
 * checked against the spec before these run). Besides the shapes, what the reference says a write
 * needs: names unique per kind (409, as adminCreateService documents), a trigger's function and
 * data source that exist, a value's secret that exists ("If your App configuration includes any
 * references to a Secret, you must create the Secret before", adminPushAppConfiguration). Refusing to
 * delete a function a trigger runs is an assumption (not documented), kept so an ordering mistake in
 * a deploy shows here rather than on Atlas.
 */

export interface Answer {
  status: number;
  body?: unknown;
}

export interface ConfigRequest {
  config: AppConfig;
  params: Readonly<Record<string, string>>;
  body: Record<string, unknown>;
}

export const refuse = (status: number, error: string, errorCode?: string): Answer => ({
  status,
  body: errorCode ? { error, error_code: errorCode } : { error },
});

const notFound = (what: string, id: string) => refuse(404, `${what} ${id} not found`);

function taken<T extends { _id: string; name: string }>(list: T[], name: unknown, exceptId?: string): boolean {
  return list.some((item) => item.name === name && item._id !== exceptId);
}

export const functionRoutes = {
  list: ({ config }: ConfigRequest): Answer => ({
    status: 200,
    body: config.functions.map((f) => ({ _id: f._id, name: f.name, last_modified: f.last_modified })),
  }),
  get: ({ config, params }: ConfigRequest): Answer => {
    const f = config.functions.find((x) => x._id === params.functionId);
    return f ? { status: 200, body: functionAnswer(f) } : notFound("function", params.functionId);
  },
  create: ({ config, body }: ConfigRequest): Answer => {
    if (taken(config.functions, body.name)) return refuse(409, `a function named ${String(body.name)} already exists`);
    const f = { ...(body as unknown as StoredFunction), _id: newId(), last_modified: nowSeconds() };
    config.functions.push(f);
    return { status: 201, body: { _id: f._id, name: f.name } };
  },
  update: ({ config, params, body }: ConfigRequest): Answer => {
    const index = config.functions.findIndex((x) => x._id === params.functionId);
    if (index < 0) return notFound("function", params.functionId);
    if (taken(config.functions, body.name, params.functionId))
      return refuse(409, `a function named ${String(body.name)} already exists`);
    config.functions[index] = {
      ...(body as unknown as StoredFunction),
      _id: params.functionId,
      last_modified: nowSeconds(),
    };
    const { _id: _, ...constructor } = functionAnswer(config.functions[index]);
    return { status: 200, body: constructor };
  },
  remove: ({ config, params }: ConfigRequest): Answer => {
    const index = config.functions.findIndex((x) => x._id === params.functionId);
    if (index < 0) return notFound("function", params.functionId);
    const user = config.triggers.find((t) => t.function_id === params.functionId);
    if (user) return refuse(400, `function ${config.functions[index].name} is run by trigger ${user.name}`);
    config.functions.splice(index, 1);
    return { status: 204 };
  },
};

/** A trigger body's function and data source, checked against the configuration. */
function triggerFromBody(config: AppConfig, body: Record<string, unknown>, _id: string): StoredTrigger | Answer {
  const processors = body.event_processors as { FUNCTION?: { config?: { function_id?: string } } } | undefined;
  const functionId = (body.function_id as string | undefined) ?? processors?.FUNCTION?.config?.function_id;
  if (!functionId || !config.functions.some((f) => f._id === functionId))
    return refuse(400, `trigger ${String(body.name)}: function ${String(functionId)} not found`);
  const triggerConfig = body.config as Record<string, unknown>;
  if (body.type === "DATABASE" && !config.services.some((s) => s._id === triggerConfig.service_id))
    return refuse(400, `trigger ${String(body.name)}: service ${String(triggerConfig.service_id)} not found`);
  return {
    _id,
    name: body.name as string,
    type: body.type as StoredTrigger["type"],
    disabled: body.disabled === true,
    config: triggerConfig,
    function_id: functionId,
    last_modified: nowSeconds(),
  };
}

export const triggerRoutes = {
  list: ({ config }: ConfigRequest): Answer => ({
    status: 200,
    body: config.triggers.map((t) => triggerAnswer(t, config)),
  }),
  create: ({ config, body }: ConfigRequest): Answer => {
    if (taken(config.triggers, body.name)) return refuse(409, `a trigger named ${String(body.name)} already exists`);
    const trigger = triggerFromBody(config, body, newId());
    if ("status" in trigger) return trigger;
    config.triggers.push(trigger);
    return { status: 201, body: triggerAnswer(trigger, config) };
  },
  update: ({ config, params, body }: ConfigRequest): Answer => {
    const index = config.triggers.findIndex((x) => x._id === params.triggerId);
    if (index < 0) return notFound("trigger", params.triggerId);
    if (body._id !== params.triggerId)
      return refuse(409, `the body's _id ${String(body._id)} is not the trigger ${params.triggerId}`);
    if (taken(config.triggers, body.name, params.triggerId))
      return refuse(409, `a trigger named ${String(body.name)} already exists`);
    const trigger = triggerFromBody(config, body, params.triggerId);
    if ("status" in trigger) return { ...trigger, status: 409 }; // the spec's one error answer of an update
    config.triggers[index] = trigger;
    return { status: 204 };
  },
  remove: ({ config, params }: ConfigRequest): Answer => {
    const index = config.triggers.findIndex((x) => x._id === params.triggerId);
    if (index < 0) return notFound("trigger", params.triggerId);
    config.triggers.splice(index, 1);
    return { status: 200, body: {} };
  },
};

function secretMissing(config: AppConfig, body: Record<string, unknown>): Answer | undefined {
  if (body.from_secret === true && !config.secrets.some((s) => s.name === body.value))
    return refuse(400, `value ${String(body.name)}: secret ${String(body.value)} not found`);
  return undefined;
}

export const valueRoutes = {
  list: ({ config }: ConfigRequest): Answer => ({
    status: 200,
    body: config.values.map((v) => ({ _id: v._id, name: v.name, private: v.private })),
  }),
  get: ({ config, params }: ConfigRequest): Answer => {
    const v = config.values.find((x) => x._id === params.valueId);
    return v ? { status: 200, body: valueAnswer(v) } : notFound("value", params.valueId);
  },
  create: ({ config, body }: ConfigRequest): Answer => {
    if (taken(config.values, body.name)) return refuse(409, `a value named ${String(body.name)} already exists`);
    const missing = secretMissing(config, body);
    if (missing) return missing;
    const v = {
      _id: newId(),
      name: body.name as string,
      private: body.private === true,
      from_secret: body.from_secret === true,
      value: body.value,
      last_modified: nowSeconds(),
    };
    config.values.push(v);
    return { status: 201, body: { name: v.name, private: v.private, value: v.value } };
  },
  update: ({ config, params, body }: ConfigRequest): Answer => {
    const v = config.values.find((x) => x._id === params.valueId);
    if (!v) return notFound("value", params.valueId);
    if (taken(config.values, body.name, v._id)) return refuse(409, `a value named ${String(body.name)} already exists`);
    const missing = secretMissing(config, body);
    if (missing) return missing;
    Object.assign(v, {
      name: body.name,
      private: body.private === true,
      from_secret: body.from_secret === true,
      value: body.value,
      last_modified: nowSeconds(),
    });
    return { status: 200, body: { name: v.name, private: v.private, value: v.value } };
  },
  remove: ({ config, params }: ConfigRequest): Answer => {
    const index = config.values.findIndex((x) => x._id === params.valueId);
    if (index < 0) return notFound("value", params.valueId);
    config.values.splice(index, 1);
    return { status: 204 };
  },
};

export const secretRoutes = {
  // Names only: a secret's value is never answered.
  list: ({ config }: ConfigRequest): Answer => ({
    status: 200,
    body: config.secrets.map((s) => ({ _id: s._id, name: s.name })),
  }),
  create: ({ config, body }: ConfigRequest): Answer => {
    if (taken(config.secrets, body.name)) return refuse(409, `a secret named ${String(body.name)} already exists`);
    const secret = { _id: newId(), name: body.name as string, value: body.value as string };
    config.secrets.push(secret);
    return { status: 201, body: { _id: secret._id, name: secret.name } };
  },
  modify: ({ config, params, body }: ConfigRequest): Answer => {
    const secret = config.secrets.find((s) => s._id === params.secretId);
    if (!secret) return notFound("secret", params.secretId);
    if (taken(config.secrets, body.name, secret._id))
      return refuse(409, `a secret named ${String(body.name)} already exists`);
    Object.assign(secret, { name: body.name, value: body.value });
    return { status: 204 };
  },
};

export const serviceRoutes = {
  list: ({ config }: ConfigRequest): Answer => ({
    status: 200,
    body: config.services.map(({ config: _, ...service }) => service),
  }),
  getConfig: ({ config, params }: ConfigRequest): Answer => {
    const service = config.services.find((s) => s._id === params.serviceId);
    return service ? { status: 200, body: service.config } : notFound("service", params.serviceId);
  },
  create: ({ config, body }: ConfigRequest): Answer => {
    if (taken(config.services, body.name))
      return refuse(409, `there is already a service with the name ${String(body.name)}`);
    const service = {
      _id: newId(),
      name: body.name as string,
      type: body.type as string,
      version: 1,
      config: body.config as Record<string, unknown>,
      last_modified: nowSeconds(),
    };
    config.services.push(service);
    const { last_modified: _, ...answer } = service;
    return { status: 201, body: answer };
  },
  updateConfig: ({ config, params, body }: ConfigRequest): Answer => {
    const service = config.services.find((s) => s._id === params.serviceId);
    if (!service) return notFound("service", params.serviceId);
    service.config = body;
    service.last_modified = nowSeconds();
    return { status: 204 };
  },
};
