//! Enums are named once, by serde (`#[serde(rename_all = "snake_case")]`): [`Named`]
//! reads those names back where a `&'static str` is wanted (keys, attribute values, logs)
//! and parses them, so no enum spells its strings a second time.

use serde::de::value::{Error, StrDeserializer};
use serde::de::DeserializeOwned;
use serde::ser::{Error as _, Impossible};
use serde::{Serialize, Serializer};

/// A fieldless enum named by serde.
pub trait Named: Serialize + DeserializeOwned + Copy {
    /// The variant's serde name.
    fn as_str(self) -> &'static str {
        match self.serialize(VariantName) {
            Ok(name) => name,
            // Only fieldless enums are `Named`: each variant serializes as its name.
            Err(err) => unreachable!("{err}"),
        }
    }

    /// The variant serde names `value`, if one does.
    fn parse(value: &str) -> Option<Self> {
        Self::deserialize(StrDeserializer::<Error>::new(value)).ok()
    }
}

/// A serializer that takes a unit variant's name and refuses anything else.
struct VariantName;

fn refused<T>() -> Result<T, Error> {
    Err(Error::custom("not a unit variant"))
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<&'static str, Error> {
            refused()
        })*
    };
}

impl Serializer for VariantName {
    type Ok = &'static str;
    type Error = Error;
    type SerializeSeq = Impossible<&'static str, Error>;
    type SerializeTuple = Impossible<&'static str, Error>;
    type SerializeTupleStruct = Impossible<&'static str, Error>;
    type SerializeTupleVariant = Impossible<&'static str, Error>;
    type SerializeMap = Impossible<&'static str, Error>;
    type SerializeStruct = Impossible<&'static str, Error>;
    type SerializeStructVariant = Impossible<&'static str, Error>;

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<&'static str, Error> {
        Ok(variant)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<&'static str, Error> {
        refused()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, Error> {
        refused()
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, Error> {
        refused()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        refused()
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        refused()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        refused()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        refused()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        refused()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        refused()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        refused()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, MessageType, MessagingMode, Role};

    #[test]
    fn names_are_serdes_both_ways() {
        assert_eq!(MessageType::StatusChange.as_str(), "status_change");
        assert_eq!(Role::BasicStaff.as_str(), "basic_staff");
        assert_eq!(
            MessagingMode::parse("read_only"),
            Some(MessagingMode::ReadOnly)
        );
        assert_eq!(Channel::parse("sms"), Some(Channel::Sms));
        assert_eq!(Channel::parse("SMS"), None);
        assert_eq!(
            serde_json::to_string(&Channel::Email).unwrap(),
            format!("\"{}\"", Channel::Email.as_str())
        );
    }
}
