//! Validation of H3 cell indexes, without floating point and without `std`.
//!
//! An H3 index is a 64-bit word (see <https://h3geo.org/docs/core-library/h3Indexing>):
//!
//! | bits  | field                                                    |
//! |-------|----------------------------------------------------------|
//! | 63    | reserved, 0                                              |
//! | 59–62 | mode: 1 for a cell                                       |
//! | 56–58 | mode-dependent; 0 for a cell                             |
//! | 52–55 | resolution, 0–15                                         |
//! | 45–51 | base cell, 0–121                                         |
//! | 0–44  | 15 digits of 3 bits, digit 1 first; 0–6 up to the cell's |
//! |       | resolution, 7 after it                                   |
//!
//! A cell on one of the 12 pentagon base cells cannot take the deleted direction 1 (the K
//! axis) as its first non-zero digit. [`H3Cell::new`] checks all of this, so a stored cell is
//! always a real cell, and [`H3Cell::parent`] coarsens one by replacing its finest digits.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The finest H3 resolution.
pub const MAX_RESOLUTION: u8 = 15;
/// Number of base cells (resolution 0 cells).
const BASE_CELLS: u64 = 122;
/// The base cells that are pentagons.
const PENTAGON_BASE_CELLS: [u64; 12] = [4, 14, 24, 38, 49, 58, 63, 72, 83, 97, 107, 117];

const MODE_OFFSET: u32 = 59;
const MODE_CELL: u64 = 1;
const RESERVED_MASK: u64 = (1 << 63) | (0b111 << 56);
const RESOLUTION_OFFSET: u32 = 52;
const BASE_CELL_OFFSET: u32 = 45;
const DIGIT_BITS: u32 = 3;
const DIGIT_MASK: u64 = 0b111;
/// The "unused" digit that fills positions after the cell's resolution.
const UNUSED_DIGIT: u64 = 7;
/// The deleted direction of pentagons (the K axis).
const K_AXIS: u64 = 1;

/// Why a 64-bit word is not an H3 cell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum H3Error {
	/// The mode bits do not say "cell" (it may be an edge or vertex index) or reserved bits
	/// are set.
	NotACell,
	/// The base cell number is above 121.
	InvalidBaseCell,
	/// A digit within the resolution is 7, or a digit after it is not 7.
	InvalidDigit,
	/// The index takes the deleted direction of a pentagon.
	DeletedPentagonDirection,
}

/// A validated H3 cell index. Construct with [`H3Cell::new`]; decoding from SCALE does not
/// validate, so calls validate the raw `u64` they receive.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct H3Cell(u64);

impl H3Cell {
	/// Validate `raw` as an H3 cell index.
	pub fn new(raw: u64) -> Result<Self, H3Error> {
		if (raw >> MODE_OFFSET) & 0b1111 != MODE_CELL || raw & RESERVED_MASK != 0 {
			return Err(H3Error::NotACell);
		}
		let base_cell = (raw >> BASE_CELL_OFFSET) & 0b111_1111;
		if base_cell >= BASE_CELLS {
			return Err(H3Error::InvalidBaseCell);
		}
		let resolution = Self::resolution_of(raw);
		let mut first_non_zero = None;
		for position in 1..=MAX_RESOLUTION {
			let digit = Self::digit_of(raw, position);
			if position <= resolution {
				if digit == UNUSED_DIGIT {
					return Err(H3Error::InvalidDigit);
				}
				if first_non_zero.is_none() && digit != 0 {
					first_non_zero = Some(digit);
				}
			} else if digit != UNUSED_DIGIT {
				return Err(H3Error::InvalidDigit);
			}
		}
		if PENTAGON_BASE_CELLS.contains(&base_cell) && first_non_zero == Some(K_AXIS) {
			return Err(H3Error::DeletedPentagonDirection);
		}
		Ok(Self(raw))
	}

	/// The raw 64-bit index.
	pub fn raw(self) -> u64 {
		self.0
	}

	/// The cell's resolution, 0 (coarsest) to 15 (finest).
	pub fn resolution(self) -> u8 {
		Self::resolution_of(self.0)
	}

	/// The cell's base cell, 0–121.
	pub fn base_cell(self) -> u8 {
		// Masked to 7 bits, so it fits.
		((self.0 >> BASE_CELL_OFFSET) & 0b111_1111) as u8
	}

	/// The ancestor of this cell at `resolution`, or `None` if `resolution` is finer than the
	/// cell's own. The parent of a valid cell is a valid cell: its digits are a prefix of the
	/// child's.
	pub fn parent(self, resolution: u8) -> Option<Self> {
		let own = self.resolution();
		if resolution > own {
			return None;
		}
		let mut raw = self.0 & !(0b1111 << RESOLUTION_OFFSET);
		raw |= u64::from(resolution) << RESOLUTION_OFFSET;
		for position in resolution.saturating_add(1)..=own {
			let shift = Self::digit_shift(position);
			raw |= UNUSED_DIGIT << shift;
		}
		Some(Self(raw))
	}

	fn resolution_of(raw: u64) -> u8 {
		// Masked to 4 bits, so it fits.
		((raw >> RESOLUTION_OFFSET) & 0b1111) as u8
	}

	/// Bit offset of digit `position` (1–15); digit 1 is the most significant.
	fn digit_shift(position: u8) -> u32 {
		u32::from(MAX_RESOLUTION.saturating_sub(position)).saturating_mul(DIGIT_BITS)
	}

	fn digit_of(raw: u64, position: u8) -> u64 {
		(raw >> Self::digit_shift(position)) & DIGIT_MASK
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use h3o::{LatLng, Resolution};

	fn cell_at(lat: f64, lng: f64, resolution: u8) -> u64 {
		let resolution = Resolution::try_from(resolution).unwrap();
		u64::from(LatLng::new(lat, lng).unwrap().to_cell(resolution))
	}

	#[test]
	fn accepts_real_cells_at_every_resolution() {
		for resolution in 0..=MAX_RESOLUTION {
			for (lat, lng) in [(52.52, 13.405), (-33.87, 151.21), (37.77, -122.42), (0.0, 0.0)] {
				let raw = cell_at(lat, lng, resolution);
				let cell = H3Cell::new(raw).unwrap();
				assert_eq!(cell.resolution(), resolution);
				assert_eq!(cell.raw(), raw);
			}
		}
	}

	#[test]
	fn accepts_cells_on_pentagons() {
		// Every pentagon at every resolution, and its neighbours, are real cells.
		for resolution in 0..=MAX_RESOLUTION {
			let resolution = Resolution::try_from(resolution).unwrap();
			for pentagon in resolution.pentagons() {
				assert!(H3Cell::new(u64::from(pentagon)).is_ok());
				for neighbour in pentagon.grid_disk::<Vec<_>>(1) {
					assert!(H3Cell::new(u64::from(neighbour)).is_ok());
				}
			}
		}
	}

	#[test]
	fn parent_matches_the_reference_implementation() {
		let raw = cell_at(52.52, 13.405, 12);
		let reference = h3o::CellIndex::try_from(raw).unwrap();
		for resolution in 0..=12u8 {
			let expected = reference.parent(Resolution::try_from(resolution).unwrap()).unwrap();
			let parent = H3Cell::new(raw).unwrap().parent(resolution).unwrap();
			assert_eq!(parent.raw(), u64::from(expected));
			assert!(H3Cell::new(parent.raw()).is_ok());
		}
		assert_eq!(H3Cell::new(raw).unwrap().parent(13), None);
	}

	#[test]
	fn rejects_what_is_not_a_cell() {
		let raw = cell_at(52.52, 13.405, 9);
		// Zero, all ones, an edge (mode 2) and a reserved bit.
		assert_eq!(H3Cell::new(0), Err(H3Error::NotACell));
		assert_eq!(H3Cell::new(u64::MAX), Err(H3Error::NotACell));
		let edge = (raw & !(0b1111 << 59)) | (2 << 59) | (1 << 56);
		assert_eq!(H3Cell::new(edge), Err(H3Error::NotACell));
		assert_eq!(H3Cell::new(raw | (1 << 57)), Err(H3Error::NotACell));
		assert_eq!(H3Cell::new(raw | (1 << 63)), Err(H3Error::NotACell));
		// Base cell 122 and 127.
		let base = |b: u64| (raw & !(0b111_1111 << 45)) | (b << 45);
		assert_eq!(H3Cell::new(base(122)), Err(H3Error::InvalidBaseCell));
		assert_eq!(H3Cell::new(base(127)), Err(H3Error::InvalidBaseCell));
		// Digit 9 (within resolution 9) set to 7; digit 10 (after it) set to 0.
		assert_eq!(H3Cell::new(raw | (0b111 << 18)), Err(H3Error::InvalidDigit));
		assert_eq!(H3Cell::new(raw & !(0b111 << 15)), Err(H3Error::InvalidDigit));
	}

	#[test]
	fn rejects_the_deleted_pentagon_direction() {
		// Base cell 4 is a pentagon: a resolution-1 child with digit 1 does not exist.
		let res1 = (1u64 << 59) | (1 << 52) | (4 << 45);
		let unused_after_1 = (1u64 << 42) - 1;
		let with_digit = |d: u64| res1 | (d << 42) | unused_after_1;
		assert_eq!(H3Cell::new(with_digit(1)), Err(H3Error::DeletedPentagonDirection));
		assert!(H3Cell::new(with_digit(2)).is_ok());
		// On a hexagon base cell (5), digit 1 is fine.
		let hexagon = (with_digit(1) & !(0b111_1111 << 45)) | (5 << 45);
		assert!(H3Cell::new(hexagon).is_ok());
	}

	#[test]
	fn agrees_with_the_reference_implementation_on_mutated_indexes() {
		// Flip every single bit of real cells at several resolutions, including pentagons:
		// our validation and h3o's must agree on every result.
		let mut cells: Vec<u64> =
			[0u8, 1, 5, 9, 15].iter().map(|r| cell_at(48.85, 2.35, *r)).collect();
		cells.extend(Resolution::Three.pentagons().map(u64::from));
		let mut checked = 0;
		for raw in cells {
			for bit in 0..64 {
				let mutated = raw ^ (1 << bit);
				assert_eq!(
					H3Cell::new(mutated).is_ok(),
					h3o::CellIndex::try_from(mutated).is_ok(),
					"bit {bit} of {raw:#x}"
				);
				checked += 1;
			}
		}
		assert!(checked > 1000);
	}
}
