//! A map from relation oid to a cached value that remembers when each
//! entry was last used, so the cache can give back its oldest entries when
//! a `pg_tviews.*_cache_size` bound is reached.

use std::collections::HashMap;

use pgrx::pg_sys;

pub struct Lru<V> {
    entries: HashMap<pg_sys::Oid, (V, u64)>,
    clock: u64,
}

impl<V: Clone> Lru<V> {
    pub fn new() -> Self {
        Lru {
            entries: HashMap::new(),
            clock: 0,
        }
    }

    /// The value for `key`, marked as just used.
    pub fn get(&mut self, key: pg_sys::Oid) -> Option<V> {
        self.clock += 1;
        let now = self.clock;
        self.entries.get_mut(&key).map(|(value, used)| {
            *used = now;
            value.clone()
        })
    }

    pub fn insert(&mut self, key: pg_sys::Oid, value: V) {
        self.clock += 1;
        self.entries.insert(key, (value, self.clock));
    }

    /// When the least recently used entry was used (None when empty).
    pub fn oldest_use(&self) -> Option<u64> {
        self.entries.values().map(|(_, used)| *used).min()
    }

    /// Remove and return the least recently used entry.
    pub fn pop_oldest(&mut self) -> Option<V> {
        let key = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k)?;
        self.entries.remove(&key).map(|(value, _)| value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Keep only the entries for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.entries.retain(|_, (value, _)| keep(value));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values().map(|(value, _)| value)
    }
}
