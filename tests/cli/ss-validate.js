// ss-validate.js - validate a file against a JSON schema with ajv
//
// usage: node ss-validate.js SCHEMA.json FILE.json
// Prints "valid" or the first errors and exits 1.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const [schemaPath, filePath] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
let data;
try {
	data = JSON.parse(fs.readFileSync(filePath, 'utf8'));
} catch (e) {
	console.log('FAIL: not JSON: ' + e.message);
	process.exit(1);
}
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(schema);
if (!validate(data)) {
	console.log('FAIL: ' + JSON.stringify(validate.errors.slice(0, 5)));
	process.exit(1);
}
console.log('valid');
