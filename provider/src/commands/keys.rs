//! Keys: device keys in the provider's keystore.

use anyhow::Result;
use serde_json::{json, Value};

use super::Home;
use crate::{keystore::Scheme, report::Report};

pub fn keys_generate(home: &Home, name: &str, scheme: Scheme) -> Result<Report> {
	let mut store = home.keystore()?;
	let (pair, phrase) = scheme.generate();
	let stored = store.add(name, &phrase, &pair)?;
	Ok(Report::new(
		format!("generated {} key `{}`: {}", scheme.as_str(), stored.name, stored.public),
		json!({ "name": stored.name, "scheme": scheme.as_str(), "public": stored.public }),
	))
}

pub fn keys_import(home: &Home, name: &str, scheme: Scheme, secret: &str) -> Result<Report> {
	let mut store = home.keystore()?;
	let pair = scheme.pair(secret)?;
	let stored = store.add(name, secret, &pair)?;
	Ok(Report::new(
		format!("imported {} key `{}`: {}", scheme.as_str(), stored.name, stored.public),
		json!({ "name": stored.name, "scheme": scheme.as_str(), "public": stored.public }),
	))
}

pub fn keys_list(home: &Home) -> Result<Report> {
	let store = home.keystore()?;
	let text = if store.keys().is_empty() {
		"no keys yet: `depin-provider keys generate --name <name>`".to_string()
	} else {
		store
			.keys()
			.iter()
			.map(|k| format!("{:<20} {}", k.name, k.public))
			.collect::<Vec<_>>()
			.join("\n")
	};
	let keys: Vec<Value> = store
		.keys()
		.iter()
		.map(|k| json!({ "name": k.name, "scheme": k.scheme.as_str(), "public": k.public }))
		.collect();
	Ok(Report::new(text, json!(keys)))
}
