//! Black-box tests: the real server on port 0, spoken to over HTTP.

mod helpers;

mod accounts;
mod bulletin_delivery;
mod bulletin_process;
mod bulletin_schedule;
mod bulletin_subscriptions;
mod cli;
mod cli_accounts;
mod compression;
mod copy_database;
mod downloads;
mod editing;
mod faults;
mod focal_point;
mod forms;
mod hardening;
mod in_force;
mod lookup;
mod mail;
mod mail_delivery;
mod observe;
mod openapi;
mod pages;
mod password_reset;
mod people;
mod pg_restart;
mod search;
mod search_forgiving;
mod service;
mod smtp_drop;
mod smtp_pool;
mod smtp_sink;
mod transfer;
mod updates;
mod visibility;
