/** drizzle-kit configuration: `npm run db:generate` writes a migration for each change to the hub's schema. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './hub/store/schema.ts',
  out: './hub/store/migrations',
});
