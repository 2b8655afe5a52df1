//! What a command reports: a few lines for a person, or one JSON document (`--json`) for a
//! script. Both are built from the same data.

use serde_json::Value;

/// A command's result.
pub struct Report {
	pub text: String,
	pub json: Value,
}

impl Report {
	pub fn new(text: impl Into<String>, json: Value) -> Self {
		Self { text: text.into(), json }
	}
}

/// A balance in DPN (12 decimals) for people, e.g. `1.234567 DPN`.
pub fn dpn(planck: u128) -> String {
	const UNIT: u128 = 1_000_000_000_000;
	let whole = planck / UNIT;
	let frac = planck % UNIT;
	if frac == 0 {
		format!("{whole} DPN")
	} else {
		let digits = format!("{frac:012}");
		format!("{whole}.{} DPN", digits.trim_end_matches('0'))
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn balances_read_in_dpn() {
		assert_eq!(super::dpn(0), "0 DPN");
		assert_eq!(super::dpn(1_500_000_000_000), "1.5 DPN");
		assert_eq!(super::dpn(1), "0.000000000001 DPN");
	}
}
