//! MySQL's GTID sets (`@@GLOBAL.gtid_executed`): per source (a server UUID, with a tag on MySQL
//! 8.3 and later), the transaction numbers executed, as closed intervals.
//!
//! ```text
//! 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9,
//! 4f22ab58-82db-22f2-8f44-d91bb0530673:1-3
//! ```

use std::collections::BTreeMap;

/// A GTID set: intervals kept sorted and merged, per source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GtidSet(BTreeMap<String, Vec<(u64, u64)>>);

impl GtidSet {
    /// Parses MySQL's text form (whitespace and newlines between items allowed); `None` when it
    /// is not one.
    pub(crate) fn parse(text: &str) -> Option<GtidSet> {
        let mut set = GtidSet(BTreeMap::new());
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let mut parts = item.split(':');
            let uuid = parts.next()?.trim().to_ascii_lowercase();
            if uuid.len() != 36 || !uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                return None;
            }
            let mut source = uuid.clone();
            let mut any = false;
            for part in parts {
                match interval(part) {
                    Some(range) => {
                        set.add(&source, range);
                        any = true;
                    }
                    // A tag (MySQL 8.3+): the intervals after it belong to `uuid:tag`.
                    None if part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') => {
                        source = format!("{uuid}:{}", part.to_ascii_lowercase());
                    }
                    None => return None,
                }
            }
            if !any {
                return None;
            }
        }
        Some(set)
    }

    fn add(&mut self, source: &str, (lo, hi): (u64, u64)) {
        let ranges = self.0.entry(source.to_string()).or_default();
        ranges.push((lo, hi));
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for &(lo, hi) in ranges.iter() {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        *ranges = merged;
    }

    /// Whether every transaction of `other` is in this set.
    pub(crate) fn covers(&self, other: &GtidSet) -> bool {
        other.0.iter().all(|(source, ranges)| {
            let mine = self.0.get(source).map(Vec::as_slice).unwrap_or_default();
            ranges.iter().all(|&(lo, hi)| mine.iter().any(|&(a, b)| a <= lo && hi <= b))
        })
    }

    /// Both sets' transactions.
    pub(crate) fn union(mut self, other: GtidSet) -> GtidSet {
        for (source, ranges) in other.0 {
            for range in ranges {
                self.add(&source, range);
            }
        }
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `n` or `n-m`.
fn interval(text: &str) -> Option<(u64, u64)> {
    let text = text.trim();
    let (lo, hi) = match text.split_once('-') {
        Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
        None => {
            let n = text.parse().ok()?;
            (n, n)
        }
    };
    (lo <= hi && lo > 0).then_some((lo, hi))
}

impl std::fmt::Display for GtidSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sources ordered by name put `uuid` before `uuid:tag`, so a tagged source repeats its uuid.
        for (i, (source, ranges)) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { "" } else { "," })?;
            f.write_str(source)?;
            for (lo, hi) in ranges {
                if lo == hi { write!(f, ":{lo}")? } else { write!(f, ":{lo}-{hi}")? }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::GtidSet;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "4f22ab58-82db-22f2-8f44-d91bb0530673";

    fn set(text: &str) -> GtidSet {
        GtidSet::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    #[test]
    fn sets_parse_merge_and_print_as_mysql_writes_them() {
        let s = set(&format!("{A}:1-5:7-9:6,\n{B}:3"));
        assert_eq!(s.to_string(), format!("{A}:1-9,{B}:3"));
        assert_eq!(set(&s.to_string()), s);
        assert_eq!(set(&format!("{A}:1-3:tag_a:1-2")).to_string(), format!("{A}:1-3,{A}:tag_a:1-2"));
        assert!(GtidSet::parse("").unwrap().is_empty());
        for bad in ["x:1", A, &format!("{A}:0"), &format!("{A}:5-3"), &format!("{A}:1-x")] {
            assert!(GtidSet::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_set_covers_another_when_it_holds_every_transaction_of_it() {
        let replica = set(&format!("{A}:1-100,{B}:1-7"));
        assert!(replica.covers(&set(&format!("{A}:1-100"))));
        assert!(replica.covers(&set(&format!("{A}:50-60,{B}:7"))));
        assert!(!replica.covers(&set(&format!("{A}:1-101"))));
        assert!(!replica.covers(&set(&format!("{A}:1-3:tag_a:1"))), "a tagged source is a source of its own");
        // A gap: 1-5 and 7-9 do not cover 6.
        assert!(!set(&format!("{A}:1-5:7-9")).covers(&set(&format!("{A}:6"))));
        assert_eq!(set(&format!("{A}:1-5")).union(set(&format!("{A}:6-8,{B}:2"))), set(&format!("{A}:1-8,{B}:2")));
    }
}
