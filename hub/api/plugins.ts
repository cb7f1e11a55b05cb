/** Plugin routes: the task types the hub knows, and the flow JSON Schema editors use. */
import { Type as T } from '@sinclair/typebox';
import type { AnyTaskDefinition } from '../../protocol/plugin.js';
import { flowJsonSchema } from '../../runtime/flow-schema.js';
import type { RouteTable } from './route.js';
import { List } from './schemas.js';
import type { HubServices } from './services.js';

const PluginSchema = T.Object({
  type: T.String(),
  aliases: T.Array(T.String()),
  title: T.String(),
  description: T.String(),
  properties: T.Record(T.String(), T.Unknown(), { description: 'JSON Schema of the task properties' }),
  outputs: T.Union([T.Record(T.String(), T.Unknown()), T.Null()], {
    description: 'JSON Schema of the outputs',
  }),
});

/** TypeBox schemas carry symbol keys; the JSON round trip leaves plain JSON Schema. */
const plain = (schema: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

function describePlugin(def: AnyTaskDefinition) {
  return {
    type: def.type,
    aliases: [...def.aliases],
    title: def.title,
    description: def.description,
    properties: plain(def.properties),
    outputs: def.outputs ? plain(def.outputs) : null,
  };
}

/** Registers `/plugins` and `/schemas/flow`. */
export function pluginRoutes(table: RouteTable, services: HubServices): void {
  let plugins: ReturnType<typeof describePlugin>[] | undefined;
  let flowSchema: object | undefined;

  table.add(
    {
      method: 'get',
      path: '/plugins',
      operationId: 'listPlugins',
      tag: 'plugins',
      summary: 'List task types',
      description:
        'Each task type with its Kestra aliases and the JSON Schemas of its properties and outputs.',
      responses: { 200: { description: 'The task types', schema: List(PluginSchema) } },
    },
    (c) => {
      plugins ??= services.registry.tasks().map(describePlugin);
      return c.json({ items: plugins });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/schemas/flow',
      operationId: 'getFlowSchema',
      tag: 'plugins',
      summary: 'The flow JSON Schema',
      description:
        'Draft-07 JSON Schema of a flow document with every known task type, for editors (e.g. the YAML language server).',
      responses: { 200: { description: 'The schema', schema: T.Record(T.String(), T.Unknown()) } },
    },
    (c) => {
      flowSchema ??= flowJsonSchema(services.registry);
      return c.json(flowSchema);
    },
  );
}
