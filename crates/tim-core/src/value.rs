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

/// A JSON object: `obj!{"key": expr, ...}` where each `expr` is [`IntoValue`]; nest with
/// `obj!` again, and write arrays as `Vec<Value>` / string lists.
#[macro_export]
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {
        $crate::value::object(vec![$(($k, $crate::value::val($v))),*])
    };
}
