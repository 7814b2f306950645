//! Building JSON values without serde's serializer.
//!
//! `serde_json::json!` turns every interpolated expression into a `to_value(&expr)` call that the
//! optimiser inlines at each call site; in the wasm bundle that costs far more than the value
//! itself. [`obj!`](crate::obj) and [`IntoValue`] build the same `Value`s with one small
//! conversion per type.

use serde_json::{Map, Value};

/// A cheap conversion into [`Value`].
pub trait IntoValue {
    /// The JSON value.
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl<T: IntoValue + Clone> IntoValue for &T {
    fn into_value(self) -> Value {
        self.clone().into_value()
    }
}
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
}
impl IntoValue for u64 {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}
impl IntoValue for u32 {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}
impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}
impl IntoValue for usize {
    fn into_value(self) -> Value {
        Value::from(self as u64)
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(IntoValue::into_value).collect())
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}
impl IntoValue for &[String] {
    fn into_value(self) -> Value {
        strings(self)
    }
}
impl IntoValue for i32 {
    fn into_value(self) -> Value {
        Value::from(self)
    }
}
impl<const N: usize> IntoValue for [&str; N] {
    fn into_value(self) -> Value {
        self.as_slice().into_value()
    }
}
impl IntoValue for &[&str] {
    fn into_value(self) -> Value {
        Value::Array(self.iter().map(|s| Value::String((*s).to_string())).collect())
    }
}

fn strings(l: &[String]) -> Value {
    Value::Array(l.iter().map(|s| Value::String(s.clone())).collect())
}

/// `v` as a [`Value`].
pub fn val(v: impl IntoValue) -> Value {
    v.into_value()
}

/// An object from `(key, value)` pairs (what [`obj!`](crate::obj) expands to).
pub fn object(pairs: Vec<(&'static str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// A JSON object from `(key, value)` pairs, inserted in order (a later key replaces an earlier
/// one, as `collect` does). Objects built from iterators go through here: `collect::<Map<_, _>>()`
/// instantiates the standard library's sort once per iterator type (about 2.5 KB of wasm each).
pub fn map_of(pairs: impl IntoIterator<Item = (String, Value)>) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    m
}

/// A JSON object: `obj!{"key": expr, ...}` where each `expr` is [`IntoValue`]; nest with
/// `obj!` again, and write arrays as `Vec<Value>` / string lists.
#[macro_export]
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {
        $crate::value::object(vec![$(($k, $crate::value::val($v))),*])
    };
}

/// The JSON text of `v`. Every serialisation goes through this one writer: `Value`'s `Display`
/// (`v.to_string()`, `format!("{v}")`) is a second copy of the serialiser, about 14 KB of wasm.
pub fn json_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Sort `v` by `key`, ascending, stable (equal keys keep their order).
///
/// Every sort in the SDK goes through this one function, a binary insertion sort over
/// `(key, index)` pairs: each `sort_by*` of the standard library on another element type or
/// comparator is another copy of its sort in the wasm (2–12 KB each, 27 KB in all before this),
/// while the lists sorted here are short (a page of messages, a resync of at most 1,000, the
/// conversation list: tim-server lists 100 by default, Tencent at most 500), where the quadratic moves cost
/// well under a millisecond. The standard unstable sort over the same pairs was measured at
/// +1.2 KB brotli for the bundle, so it is not used.
pub fn sort_by_key2<T>(v: &mut Vec<T>, key: impl Fn(&T) -> (u64, u64)) {
    let mut keys: Vec<(u64, u64, usize)> = Vec::with_capacity(v.len());
    for (i, x) in v.iter().enumerate() {
        let (a, b) = key(x);
        let k = (a, b, i);
        let at = keys.partition_point(|y| *y <= k);
        keys.insert(at, k);
    }
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keys.into_iter().filter_map(|(_, _, i)| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::sort_by_key2;

    #[test]
    fn sort_is_stable_and_ordered() {
        let mut v: Vec<(u64, &str)> = vec![(3, "a"), (1, "b"), (3, "c"), (2, "d"), (1, "e"), (0, "f")];
        sort_by_key2(&mut v, |x| (x.0, 0));
        assert_eq!(v, [(0, "f"), (1, "b"), (1, "e"), (2, "d"), (3, "a"), (3, "c")]);
        let mut w: Vec<u64> = (0..1000).rev().collect();
        sort_by_key2(&mut w, |x| (*x % 7, *x));
        let mut want: Vec<u64> = (0..1000).collect();
        want.sort_by_key(|x| (*x % 7, *x));
        assert_eq!(w, want);
        let mut e: Vec<u8> = Vec::new();
        sort_by_key2(&mut e, |x| (u64::from(*x), 0));
        assert!(e.is_empty());
    }
}
