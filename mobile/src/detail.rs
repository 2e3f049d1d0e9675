//! Which code's detail panel is open: the one piece of interface state that
//! the panel's drawer (`ui`), its picture (`pictures`), its trailer
//! (`trailer`) and the screen-reader mirror (`mirror`) all read. It lives
//! below them so that none of them imports another's module for it.

use bevy::prelude::*;

/// The canonical code whose detail panel is open, if any.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct OpenDetail(pub Option<String>);
