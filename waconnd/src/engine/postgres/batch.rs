//! Batches as one statement: PostgreSQL refuses an `INSERT ... ON CONFLICT
//! DO UPDATE` that meets the same key twice, which the SQLite store allows
//! (its batches are row-by-row upserts in one transaction). Folding the
//! duplicates first in the row-by-row order gives the same end state.

use std::collections::BTreeMap;

/// One row per key, each the fold of that key's rows in batch order with
/// `merge(earlier, later)`, in key order. Key order also gives concurrent
/// batches one lock order, so two of them cannot deadlock each other.
pub(crate) fn fold_per_key<K: Ord, R>(
    rows: impl IntoIterator<Item = R>,
    key: impl Fn(&R) -> K,
    merge: impl Fn(R, R) -> R,
) -> Vec<R> {
    let mut folded: BTreeMap<K, R> = BTreeMap::new();
    for row in rows {
        let k = key(&row);
        let row = match folded.remove(&k) {
            Some(earlier) => merge(earlier, row),
            None => row,
        };
        folded.insert(k, row);
    }
    folded.into_values().collect()
}

/// One row per key, the last of each key winning (a plain upsert's fold).
pub(crate) fn last_per_key<K: Ord, R>(
    rows: impl IntoIterator<Item = R>,
    key: impl Fn(&R) -> K,
) -> Vec<R> {
    fold_per_key(rows, key, |_, later| later)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_duplicates_in_batch_order_and_sorts_by_key() {
        let rows = vec![("b", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5)];
        assert_eq!(
            last_per_key(rows.clone(), |r| r.0),
            vec![("a", 4), ("b", 3), ("c", 5)]
        );
        let sums = fold_per_key(rows, |r| r.0, |e, l| (e.0, e.1 * 10 + l.1));
        assert_eq!(sums, vec![("a", 24), ("b", 13), ("c", 5)]);
    }
}
