// pprof-check.js - check a decoded pprof profile for consistency
//
// usage: protoc --decode=perftools.profiles.Profile profile.proto <p.pb |
//        node pprof-check.js
//
// Reads protoc's text format, checks what profile.proto requires beyond
// its syntax (string_table[0] is "", ids unique and nonzero, every
// reference resolves, addresses inside their mapping, one value per sample
// type) and prints a JSON summary: the sample types, the sums of each
// value, the self value per leaf function, the program mapping, and how
// many locations carry inlined lines. Exits 1 with "FAIL: ..." otherwise.
'use strict';

function parse(text) {
	const root = {};
	const stack = [root];
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (!line) continue;
		let m;
		if (line === '}') {
			stack.pop();
		} else if ((m = /^(\w+) \{$/.exec(line))) {
			const obj = {};
			const top = stack[stack.length - 1];
			(top[m[1]] = top[m[1]] || []).push(obj);
			stack.push(obj);
		} else if ((m = /^(\w+): (.*)$/.exec(line))) {
			let v = m[2];
			if (v.startsWith('"')) v = JSON.parse(v.replace(/\\([0-7]{3})/g,
				(_, o) => '\\u00' + parseInt(o, 8).toString(16).padStart(2, '0')).replace(/\\'/g, "'"));
			else if (v === 'true' || v === 'false') v = v === 'true';
			else v = BigInt(v);
			const top = stack[stack.length - 1];
			(top[m[1]] = top[m[1]] || []).push(v);
		} else {
			throw new Error('cannot parse: ' + line);
		}
	}
	return root;
}

function fail(msg) {
	console.log('FAIL: ' + msg);
	process.exit(1);
}

const one = (o, k, d = 0n) => (o[k] ? o[k][0] : d);
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
	const p = parse(input);
	const strs = p.string_table || [];
	if (strs[0] !== '') fail('string_table[0] is not ""');
	const str = (i) => {
		if (i < 0n || i >= BigInt(strs.length)) fail('string index ' + i + ' out of range');
		return strs[Number(i)];
	};
	const types = (p.sample_type || []).map((t) => str(one(t, 'type')) + '/' + str(one(t, 'unit')));
	if (!types.length) fail('no sample_type');
	const ids = (list, what) => {
		const map = new Map();
		for (const x of list || []) {
			const id = one(x, 'id');
			if (!id) fail(what + ' with id 0');
			if (map.has(id)) fail('duplicate ' + what + ' id ' + id);
			map.set(id, x);
		}
		return map;
	};
	const mappings = ids(p.mapping, 'mapping');
	const locations = ids(p.location, 'location');
	const functions = ids(p.function, 'function');
	for (const f of functions.values()) str(one(f, 'name')), str(one(f, 'filename'));
	for (const m of mappings.values()) str(one(m, 'filename')), str(one(m, 'build_id'));
	let inlined = 0;
	for (const l of locations.values()) {
		const mid = one(l, 'mapping_id');
		if (mid) {
			const m = mappings.get(mid);
			if (!m) fail('location ' + one(l, 'id') + ' has unknown mapping ' + mid);
			const a = one(l, 'address');
			if (a < one(m, 'memory_start') || a >= one(m, 'memory_limit'))
				fail('location ' + one(l, 'id') + ' address ' + a + ' outside its mapping');
		}
		if (!l.line || !l.line.length) fail('location ' + one(l, 'id') + ' has no line');
		for (const ln of l.line)
			if (!functions.has(one(ln, 'function_id')))
				fail('location ' + one(l, 'id') + ' has unknown function ' + one(ln, 'function_id'));
		if (l.line.length > 1) inlined++;
	}
	const sums = types.map(() => 0n);
	const self = new Map();
	for (const s of p.sample || []) {
		const v = s.value || [];
		if (v.length !== types.length) fail('a sample has ' + v.length + ' values for ' + types.length + ' types');
		const locs = s.location_id || [];
		if (!locs.length) fail('a sample without locations');
		for (const id of locs) if (!locations.has(id)) fail('a sample has unknown location ' + id);
		v.forEach((x, i) => (sums[i] += x));
		const leaf = locations.get(locs[0]).line[0];
		const name = str(one(functions.get(one(leaf, 'function_id')), 'name'));
		self.set(name, (self.get(name) || 0n) + v[0]);
	}
	const top = [...self.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : 1));
	const first = p.mapping && p.mapping.length ? str(one(p.mapping[0], 'filename')) : null;
	console.log(JSON.stringify({
		sample_types: types,
		default_sample_type: str(one(p, 'default_sample_type')),
		sums: sums.map(String),
		samples: (p.sample || []).length,
		locations: locations.size,
		inlined_locations: inlined,
		functions: functions.size,
		first_mapping: first,
		duration_nanos: String(one(p, 'duration_nanos')),
		top: top.slice(0, 10).map(([n, v]) => [n, String(v)]),
	}));
});
