// Writes the two files pulumi-resource-kubernetes's main package embeds (schema-embed.json with the
// package version set, terraform-mapping-embed.json) from the schema.json and terraform-mapping.json
// the module ships beside it. Usage: node kubernetes-plugin-embeds.js DIR VERSION
const fs = require("fs");
const path = require("path");
const [dir, version] = process.argv.slice(2);
if (!dir || !version) throw new Error("usage: kubernetes-plugin-embeds.js DIR VERSION");
const schema = JSON.parse(fs.readFileSync(path.join(dir, "schema.json"), "utf8"));
schema.version = version;
fs.writeFileSync(path.join(dir, "schema-embed.json"), JSON.stringify(schema));
const mapping = JSON.parse(fs.readFileSync(path.join(dir, "terraform-mapping.json"), "utf8"));
fs.writeFileSync(path.join(dir, "terraform-mapping-embed.json"), JSON.stringify(mapping));
