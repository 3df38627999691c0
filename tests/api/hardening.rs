//! Bad input (issue 13): refused at the edge with the field named, on both
//! databases alike, and nothing changed.

mod paging;
