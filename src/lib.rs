//! Counterpart: the directory of authorities designated under the UN
//! Convention against Transnational Organized Crime, and their bulletin.

pub mod audit;
pub mod auth;
pub mod bulletin;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod error;
pub mod mail;
pub mod measures;
pub mod memory;
pub mod private;
pub mod redact;
pub mod splice;
pub mod startup;
pub mod tasks;
pub mod telemetry;
pub mod web;
pub mod workers;
