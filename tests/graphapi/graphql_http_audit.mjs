// Runs graphql-http's GraphQL-over-HTTP server audit against URL (argv[3]), with the package
// installed in the folder argv[2]; prints one JSON line per audit: {name, status, reason}.
import { createRequire } from "node:module";
import path from "node:path";

const [folder, url] = process.argv.slice(2);
const require = createRequire(path.join(folder, "package.json"));
const { auditServer } = require("graphql-http");
const results = await auditServer({ url });
for (const result of results) {
  console.log(JSON.stringify({ name: result.name, status: result.status, reason: result.reason ?? "" }));
}
