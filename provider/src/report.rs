//! What a command reports: a few lines for a person, or one JSON document (`--json`) for a
//! script. Both are built from the same data.

use serde_json::Value;
use sp_core::H256;

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

/// An amount of DPN as people write it (`1`, `0.25`, `12.000000000001`), in planck.
pub fn parse_dpn(text: &str) -> anyhow::Result<u128> {
	const DECIMALS: usize = 12;
	let bad = || anyhow::anyhow!("`{text}` is not an amount of DPN (e.g. 1 or 0.25)");
	let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
	let (whole, frac) = match text.trim().split_once('.') {
		Some((whole, frac)) if digits(frac) => (whole, frac),
		Some(_) => return Err(bad()),
		None => (text.trim(), ""),
	};
	if !digits(whole) || frac.len() > DECIMALS {
		return Err(bad());
	}
	let whole: u128 = whole.parse().map_err(|_| bad())?;
	let frac: u128 = format!("{frac:0<DECIMALS$}").parse().map_err(|_| bad())?;
	whole.checked_mul(1_000_000_000_000).and_then(|w| w.checked_add(frac)).ok_or_else(bad)
}

/// A hash (a root, a block) as `0x` and 64 hex digits.
pub fn hex_h256(hash: &H256) -> String {
	format!("0x{}", hex::encode(hash.as_bytes()))
}

/// A hash as people and URLs write it: 64 hex digits, `0x` first or not.
pub fn parse_h256(text: &str) -> anyhow::Result<H256> {
	let digits = text.trim();
	let digits = digits.strip_prefix("0x").unwrap_or(digits);
	hex::decode(digits)
		.ok()
		.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
		.map(H256)
		.ok_or_else(|| anyhow::anyhow!("`{text}` is not a hash (0x and 64 hex digits)"))
}

#[cfg(test)]
mod tests {
	#[test]
	fn balances_read_in_dpn() {
		assert_eq!(super::dpn(0), "0 DPN");
		assert_eq!(super::dpn(1_500_000_000_000), "1.5 DPN");
		assert_eq!(super::dpn(1), "0.000000000001 DPN");
	}

	#[test]
	fn amounts_of_dpn_parse_to_planck() {
		assert_eq!(super::parse_dpn("1").unwrap(), 1_000_000_000_000);
		assert_eq!(super::parse_dpn("0.25").unwrap(), 250_000_000_000);
		assert_eq!(super::parse_dpn("2.000000000001").unwrap(), 2_000_000_000_001);
		for bad in ["", "-1", "1.", ".5", "1.2.3", "1e3", "0.0000000000001", "abc"] {
			assert!(super::parse_dpn(bad).is_err(), "{bad}");
		}
		assert!(super::parse_dpn(&"9".repeat(40)).is_err());
	}

	#[test]
	fn hashes_read_with_or_without_0x() {
		let hash = sp_core::H256::repeat_byte(0xab);
		let text = super::hex_h256(&hash);
		assert_eq!(text, format!("0x{}", "ab".repeat(32)));
		assert_eq!(text, format!("{hash:?}"));
		assert_eq!(super::parse_h256(&text).unwrap(), hash);
		assert_eq!(super::parse_h256(&"ab".repeat(32)).unwrap(), hash);
		let long = format!("0x{}", "ab".repeat(33));
		for bad in ["", "0x", "0xab", "..%2Fsectors.json", long.as_str()] {
			assert!(super::parse_h256(bad).is_err(), "{bad}");
		}
	}
}
