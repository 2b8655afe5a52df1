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

	/// Grid distance: how many steps between neighbouring cells lead from `self` to `other`,
	/// both at the same resolution, computed with integers only. `None` when the two cells are
	/// at different resolutions, lie in different base cells, or in a pentagon base cell: the
	/// distance is then not defined by one flat grid (in H3's own terms, it would need
	/// crossing icosahedron faces). A base cell spans about a thousand kilometres, so callers
	/// comparing nearby devices can treat `None` as "too far, or cannot tell".
	pub fn grid_distance(self, other: Self) -> Option<u32> {
		let resolution = self.resolution();
		if resolution != other.resolution()
			|| self.base_cell() != other.base_cell()
			|| PENTAGON_BASE_CELLS.contains(&u64::from(self.base_cell()))
		{
			return None;
		}
		let a = self.local_ijk();
		let b = other.local_ijk();
		let diff =
			normalize([a[0].checked_sub(b[0])?, a[1].checked_sub(b[1])?, a[2].checked_sub(b[2])?])?;
		let far = diff[0].max(diff[1]).max(diff[2]);
		u32::try_from(far).ok()
	}

	/// The cell's centre in the IJK coordinates of its base cell's grid at the cell's own
	/// resolution: from the base cell's centre, each digit scales the position by one aperture-7
	/// step (turning counter-clockwise on odd, "class III" resolutions and clockwise on even
	/// ones) and moves to the child in the digit's direction. Coordinates stay below 7^15 in
	/// magnitude, so i64 never overflows.
	fn local_ijk(self) -> [i64; 3] {
		let mut ijk = [0i64; 3];
		for position in 1..=self.resolution() {
			let scaled = if position % 2 == 1 { down_ap7_ccw(ijk) } else { down_ap7_cw(ijk) };
			let step = unit_vector(Self::digit_of(self.0, position));
			ijk = normalize([
				scaled[0].saturating_add(step[0]),
				scaled[1].saturating_add(step[1]),
				scaled[2].saturating_add(step[2]),
			])
			.unwrap_or(scaled);
		}
		ijk
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

/// The IJK step of a digit: 0 centre, 1 k, 2 j, 3 jk, 4 i, 5 ik, 6 ij.
fn unit_vector(digit: u64) -> [i64; 3] {
	let bit = |b: u64| i64::from((digit >> b) & 1 == 1);
	[bit(2), bit(1), bit(0)]
}

/// IJK coordinates with no negative component and at least one zero: the unique
/// representative of a position (i, j and k are three axes 120° apart, so adding the same
/// amount to all three moves nothing). `None` on overflow, which valid cells never reach.
fn normalize(ijk: [i64; 3]) -> Option<[i64; 3]> {
	let low = ijk[0].min(ijk[1]).min(ijk[2]);
	Some([ijk[0].checked_sub(low)?, ijk[1].checked_sub(low)?, ijk[2].checked_sub(low)?])
}

fn thrice_plus(a: i64, b: i64) -> i64 {
	a.saturating_mul(3).saturating_add(b)
}

/// Scale by √7 turning counter-clockwise: where the centre of a cell lands on the grid one
/// resolution finer (class III). The axes map to i → (3,0,1), j → (1,3,0), k → (0,1,3).
fn down_ap7_ccw([i, j, k]: [i64; 3]) -> [i64; 3] {
	// i' = 3i + j, j' = 3j + k, k' = 3k + i
	let out = [thrice_plus(i, j), thrice_plus(j, k), thrice_plus(k, i)];
	normalize(out).unwrap_or(out)
}

/// Scale by √7 turning clockwise (class II): i → (3,1,0), j → (0,3,1), k → (1,0,3).
fn down_ap7_cw([i, j, k]: [i64; 3]) -> [i64; 3] {
	// i' = 3i + k, j' = 3j + i, k' = 3k + j
	let out = [thrice_plus(i, k), thrice_plus(j, i), thrice_plus(k, j)];
	normalize(out).unwrap_or(out)
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

	#[test]
	fn grid_distance_matches_the_reference_implementation() {
		// Around cities on hexagon base cells, at several resolutions: every cell within six
		// steps, against h3o's grid distance; pairs across base cells give None.
		let mut compared = 0;
		let mut across = 0;
		for (lat, lng) in [(52.52, 13.405), (48.85, 2.35), (-1.29, 36.82), (37.77, -122.42)] {
			for resolution in [0u8, 1, 2, 5, 7, 8, 11, 12, 15] {
				let origin = h3o::CellIndex::try_from(cell_at(lat, lng, resolution)).unwrap();
				let ours = H3Cell::new(u64::from(origin)).unwrap();
				for other in origin.grid_disk::<Vec<_>>(6) {
					let theirs = H3Cell::new(u64::from(other)).unwrap();
					let distance = ours.grid_distance(theirs);
					if ours.base_cell() == theirs.base_cell() {
						let expected = origin.grid_distance(other).unwrap();
						assert_eq!(distance, Some(expected as u32), "{origin} → {other}");
						assert_eq!(theirs.grid_distance(ours), distance);
						compared += 1;
					} else {
						assert_eq!(distance, None);
						across += 1;
					}
				}
			}
		}
		assert!(compared > 3000, "{compared}");
		assert!(across > 0);
		// Different resolutions and pentagon base cells have no flat distance.
		let berlin = H3Cell::new(cell_at(52.52, 13.405, 9)).unwrap();
		assert_eq!(berlin.grid_distance(berlin.parent(8).unwrap()), None);
		let pentagon = u64::from(Resolution::Five.pentagons().next().unwrap());
		let pentagon = H3Cell::new(pentagon).unwrap();
		assert_eq!(pentagon.grid_distance(pentagon), None);
		assert_eq!(berlin.grid_distance(berlin), Some(0));
	}
}
