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
//! [`H3Cell::grid_distance`] and [`H3Cell::disk`] work in the flat grid of one base cell.

use alloc::vec::Vec;
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
/// The largest radius [`H3Cell::disk`] accepts. A disk of radius `k` holds 3k(k+1)+1 cells
/// (37 at 3), and each costs a few integer steps per resolution, so the bound keeps the
/// cost of an on-chain call small and known in advance.
pub const MAX_DISK_K: u32 = 3;

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

	/// Every cell at this cell's resolution within `k` grid steps of it (itself included),
	/// sorted by raw index, without duplicates, and **only those in the same base cell**: the
	/// disk is taken in the flat grid of this cell's base cell (the one
	/// [`H3Cell::grid_distance`] measures in), so a cell near the edge of its base cell gets
	/// fewer neighbours than the full 3k(k+1)+1, the ones across the edge being left out.
	/// Every returned cell `c` has `self.grid_distance(c) <= Some(k)`.
	///
	/// `None` when `k` is above [`MAX_DISK_K`], or when the cell lies in a pentagon base cell,
	/// whose grid is not flat (as for [`H3Cell::grid_distance`]).
	pub fn disk(self, k: u32) -> Option<Vec<Self>> {
		let base_cell = self.base_cell();
		if k > MAX_DISK_K || PENTAGON_BASE_CELLS.contains(&u64::from(base_cell)) {
			return None;
		}
		let radius = i64::from(k);
		let centre = self.local_ijk();
		// 37 at the largest radius; small enough to reserve once.
		let mut cells = Vec::with_capacity(
			usize::try_from(radius.saturating_mul(radius.saturating_add(1)).saturating_mul(3))
				.unwrap_or(0)
				.saturating_add(1),
		);
		// Every offset within the radius is (a, b, 0) for some a and b in -k..=k, once each
		// (two such offsets differ along i and j only, so never by the same amount on all
		// three axes); the ones in the corners of that square are further away and skipped.
		for a in radius.saturating_neg()..=radius {
			for b in radius.saturating_neg()..=radius {
				let offset = normalize([a, b, 0])?;
				if offset.iter().any(|c| *c > radius) {
					continue;
				}
				let target = [centre[0].checked_add(a)?, centre[1].checked_add(b)?, centre[2]];
				if let Some(cell) = Self::from_local_ijk(base_cell, self.resolution(), target) {
					cells.push(cell);
				}
			}
		}
		// Distinct offsets give distinct cells; sorting gives callers a canonical order, and
		// dedup costs nothing on a sorted list of at most 37.
		cells.sort_unstable();
		cells.dedup();
		Some(cells)
	}

	/// The cell of `base_cell` at `resolution` whose centre is at `ijk` in the base cell's
	/// grid: the inverse of [`H3Cell::local_ijk`], H3's `localIjkToCell` kept within one base
	/// cell. From the finest resolution up, each step finds the parent whose aperture-7
	/// rosette holds the position (the inverse scaling, rounded to the nearest grid point),
	/// and the digit is the direction from the parent's scaled centre to the position.
	/// `None` when the position lies outside the base cell (coarsening does not end at the
	/// base cell's centre), or when the result is not a valid cell.
	fn from_local_ijk(base_cell: u8, resolution: u8, ijk: [i64; 3]) -> Option<Self> {
		let mut ijk = normalize(ijk)?;
		let mut raw = (MODE_CELL << MODE_OFFSET)
			| (u64::from(resolution) << RESOLUTION_OFFSET)
			| (u64::from(base_cell) << BASE_CELL_OFFSET);
		for position in (1..=MAX_RESOLUTION).rev() {
			let digit = if position > resolution {
				UNUSED_DIGIT
			} else {
				// `local_ijk` scaled counter-clockwise into odd resolutions, clockwise into even
				// ones; undo the same step.
				let (parent, scaled) = if position % 2 == 1 {
					let parent = up_ap7_ccw(ijk)?;
					(parent, down_ap7_ccw(parent))
				} else {
					let parent = up_ap7_cw(ijk)?;
					(parent, down_ap7_cw(parent))
				};
				let step = normalize([
					ijk[0].checked_sub(scaled[0])?,
					ijk[1].checked_sub(scaled[1])?,
					ijk[2].checked_sub(scaled[2])?,
				])?;
				ijk = parent;
				digit_of_unit_vector(step)?
			};
			raw |= digit << Self::digit_shift(position);
		}
		if ijk != [0, 0, 0] {
			return None;
		}
		// Always valid on a hexagon base cell; validating keeps the type's promise anyway.
		Self::new(raw).ok()
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

/// The digit whose [`unit_vector`] is `step` (normalised), or `None` when `step` is not one
/// of the seven (centre and six neighbours).
fn digit_of_unit_vector(step: [i64; 3]) -> Option<u64> {
	(0..UNUSED_DIGIT).find(|digit| unit_vector(*digit) == step)
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

/// `n / 7` rounded to the nearest integer. H3 rounds with floating point (`lround`, half away
/// from zero), but a multiple of 1/7 is never exactly half-way between two integers, so
/// `floor((n + 3) / 7)` gives the same result with integers.
fn round_sevenths(n: i64) -> Option<i64> {
	n.checked_add(3)?.checked_div_euclid(7)
}

/// The inverse of [`down_ap7_ccw`] (H3's `_upAp7`): the centre of the cell one resolution
/// coarser whose aperture-7 rosette holds `ijk`. With the coordinates as (i − k, j − k), the
/// exact inverse is ((3i − j) / 7, (i + 2j) / 7), rounded to the nearest grid point.
fn up_ap7_ccw([i, j, k]: [i64; 3]) -> Option<[i64; 3]> {
	let (i, j) = (i.checked_sub(k)?, j.checked_sub(k)?);
	normalize([
		round_sevenths(i.checked_mul(3)?.checked_sub(j)?)?,
		round_sevenths(i.checked_add(j.checked_mul(2)?)?)?,
		0,
	])
}

/// The inverse of [`down_ap7_cw`] (H3's `_upAp7r`): as [`up_ap7_ccw`], with the exact inverse
/// ((2i + j) / 7, (3j − i) / 7).
fn up_ap7_cw([i, j, k]: [i64; 3]) -> Option<[i64; 3]> {
	let (i, j) = (i.checked_sub(k)?, j.checked_sub(k)?);
	normalize([
		round_sevenths(i.checked_mul(2)?.checked_add(j)?)?,
		round_sevenths(j.checked_mul(3)?.checked_sub(i)?)?,
		0,
	])
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

	/// h3o's disk of radius `k` around `origin`, kept to `origin`'s base cell, as raw indexes.
	fn reference_disk(origin: h3o::CellIndex, k: u32) -> std::collections::BTreeSet<u64> {
		origin
			.grid_disk::<Vec<_>>(k)
			.into_iter()
			.filter(|cell| cell.base_cell() == origin.base_cell())
			.map(u64::from)
			.collect()
	}

	#[test]
	fn local_ijk_round_trips() {
		// Every cell near the cities, at every resolution, comes back from its coordinates.
		for (lat, lng) in [(52.52, 13.405), (40.71, -74.01), (-33.87, 151.21)] {
			for resolution in 0..=MAX_RESOLUTION {
				let origin = h3o::CellIndex::try_from(cell_at(lat, lng, resolution)).unwrap();
				for other in origin.grid_disk::<Vec<_>>(2) {
					let cell = H3Cell::new(u64::from(other)).unwrap();
					let back = H3Cell::from_local_ijk(
						cell.base_cell(),
						cell.resolution(),
						cell.local_ijk(),
					);
					assert_eq!(back, Some(cell), "{other}");
				}
			}
		}
	}

	#[test]
	fn disk_matches_the_reference_implementation() {
		let mut compared = 0;
		for (lat, lng) in [(52.52, 13.405), (40.71, -74.01), (-33.87, 151.21)] {
			for resolution in [0u8, 1, 5, 7, 9, 12, 15] {
				let origin = h3o::CellIndex::try_from(cell_at(lat, lng, resolution)).unwrap();
				// The origin and its neighbours, so that some sit off their parents' centres.
				for centre in origin.grid_disk::<Vec<_>>(1) {
					let ours = H3Cell::new(u64::from(centre)).unwrap();
					if centre.base_cell().is_pentagon() {
						// At coarse resolutions a neighbour may be a pentagon base cell.
						assert_eq!(ours.disk(1), None);
						continue;
					}
					for k in 0..=MAX_DISK_K {
						let disk = ours.disk(k).unwrap();
						let raw: std::collections::BTreeSet<u64> =
							disk.iter().map(|cell| cell.raw()).collect();
						assert_eq!(raw.len(), disk.len(), "duplicates around {centre}");
						assert!(disk.windows(2).all(|w| w[0] < w[1]), "unsorted around {centre}");
						assert_eq!(raw, reference_disk(centre, k), "{centre}, k = {k}");
						for cell in &disk {
							let distance = ours.grid_distance(*cell).unwrap();
							assert!(distance <= k, "{centre} → {cell:?}");
						}
						compared += 1;
					}
				}
			}
		}
		assert!(compared > 200, "{compared}");
	}

	#[test]
	fn disk_edge_cases() {
		let berlin = H3Cell::new(cell_at(52.52, 13.405, 9)).unwrap();
		assert_eq!(berlin.disk(0), Some(vec![berlin]));
		assert_eq!(berlin.disk(1).unwrap().len(), 7);
		assert_eq!(berlin.disk(MAX_DISK_K).unwrap().len(), 37);
		assert_eq!(berlin.disk(MAX_DISK_K + 1), None);
		assert_eq!(berlin.disk(u32::MAX), None);
		// Pentagon base cells, and hexagon cells inside them, have no flat disk.
		let pentagon = u64::from(Resolution::Five.pentagons().next().unwrap());
		let pentagon = H3Cell::new(pentagon).unwrap();
		assert_eq!(pentagon.disk(0), None);
		let beside = h3o::CellIndex::try_from(pentagon.raw()).unwrap().grid_disk::<Vec<_>>(1);
		for cell in beside {
			let cell = H3Cell::new(u64::from(cell)).unwrap();
			if cell.base_cell() == pentagon.base_cell() {
				assert_eq!(cell.disk(1), None);
			}
		}
		// A base cell's corner cell has fewer neighbours of its own base cell.
		let neighbours = |cell: h3o::CellIndex| cell.grid_disk::<Vec<_>>(1);
		let around = h3o::CellIndex::try_from(cell_at(52.52, 13.405, 5)).unwrap();
		let mut edges = 0;
		for origin in around.grid_disk::<Vec<_>>(40) {
			let cell = H3Cell::new(u64::from(origin)).unwrap();
			if PENTAGON_BASE_CELLS.contains(&u64::from(cell.base_cell()))
				|| neighbours(origin).iter().all(|n| n.base_cell() == origin.base_cell())
			{
				continue;
			}
			let disk = cell.disk(1).unwrap();
			assert!(disk.len() < 7, "{origin}");
			assert!(disk.contains(&cell));
			let raw: std::collections::BTreeSet<u64> = disk.iter().map(|c| c.raw()).collect();
			assert_eq!(raw, reference_disk(origin, 1), "{origin}");
			for k in 2..=MAX_DISK_K {
				let raw: std::collections::BTreeSet<u64> =
					cell.disk(k).unwrap().iter().map(|c| c.raw()).collect();
				assert_eq!(raw, reference_disk(origin, k), "{origin}, k = {k}");
			}
			edges += 1;
		}
		assert!(edges > 10, "{edges}");
	}
}
