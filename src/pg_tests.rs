//! In-database tests of internals that pg_regress cannot see directly.

use pgrx::prelude::*;

/// `cargo pgrx test` runs these inside PostgreSQL, in schema `tests`.
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn guard_refuses_direct_writes_but_not_maintenance() {
        Spi::run("CREATE TABLE tb_thing (pk_thing int PRIMARY KEY, name text)").unwrap();
        Spi::run("INSERT INTO tb_thing VALUES (1, 'a')").unwrap();
        Spi::run("CREATE TABLE tv_thing AS SELECT t.pk_thing, t.name FROM tb_thing t").unwrap();
        assert!(!crate::engine::is_maintaining());
        Spi::run("UPDATE tb_thing SET name = 'b'").unwrap();
        assert_eq!(Spi::get_one::<String>("SELECT name FROM tv_thing").unwrap().as_deref(), Some("b"));
        assert!(!crate::engine::is_maintaining(), "maintenance depth must return to zero");
    }

    #[pg_test(error = "cannot write to TVIEW table \"tv_thing\" directly")]
    fn direct_insert_is_refused() {
        Spi::run("CREATE TABLE tb_thing (pk_thing int PRIMARY KEY, name text)").unwrap();
        Spi::run("CREATE TABLE tv_thing AS SELECT t.pk_thing, t.name FROM tb_thing t").unwrap();
        Spi::run("INSERT INTO tv_thing VALUES (2, 'x')").unwrap();
    }

    #[pg_test]
    fn cache_sees_a_second_tview_on_the_same_source() {
        Spi::run("CREATE TABLE tb_src (pk_src int PRIMARY KEY, v int)").unwrap();
        Spi::run("CREATE TABLE tv_one AS SELECT s.pk_src AS pk_one, s.v FROM tb_src s").unwrap();
        Spi::run("INSERT INTO tb_src VALUES (1, 1)").unwrap();
        Spi::run("CREATE TABLE tv_two AS SELECT s.pk_src AS pk_two, s.v * 2 AS v2 FROM tb_src s").unwrap();
        Spi::run("INSERT INTO tb_src VALUES (2, 5)").unwrap();
        assert_eq!(Spi::get_one::<i64>("SELECT count(*) FROM tv_two").unwrap(), Some(2));
        assert_eq!(Spi::get_one::<i32>("SELECT v2 FROM tv_two WHERE pk_two = 2").unwrap(), Some(10));
    }
}
