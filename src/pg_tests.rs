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

    /// Lock ids read off a write's rows (Rust) must equal the ids the
    /// maintenance statements compute (`hashtextextended(v::text, seed)`),
    /// or writers finding them the two ways would not exclude each other.
    #[pg_test]
    fn lock_ids_computed_in_rust_equal_the_sql_ones() {
        Spi::run("CREATE DOMAIN small_id AS int CHECK (VALUE > 0)").unwrap();
        let values = [
            "42::int4", "-7::int8", "3::int2", "1.50::numeric", "'héllo'::text", "'ab'::varchar(5)",
            "'ab   '::char(5)", "'n'::name", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
            "'10.0.0.1'::inet", "'10.0.0.0/8'::cidr", "true", "'2026-12-06'::date",
            "'2026-12-06 10:00+02'::timestamptz", "5::small_id", "'x'::text COLLATE \"C\"", "'q'::\"char\"",
            "'{1,2}'::int[]", "'{\"a\": 1}'::jsonb",
        ];
        let _spi = crate::pg::SpiConnection::open();
        for value in values {
            let sql = format!("SELECT {value}, pg_catalog.hashtextextended(({value})::text, -123456789)");
            let query = std::ffi::CString::new(sql.clone()).unwrap();
            // SAFETY: a read-only statement in our SPI connection; the
            // datums are read while its result is current.
            unsafe {
                assert_eq!(pg_sys::SPI_execute(query.as_ptr(), true, 1), pg_sys::SPI_OK_SELECT as i32, "{sql}");
                let typid = pg_sys::SPI_gettypeid((*pg_sys::SPI_tuptable).tupdesc, 1);
                let desc = pgrx::PgTupleDesc::from_pg_unchecked((*pg_sys::SPI_tuptable).tupdesc);
                let collation = desc.get(0).map_or(pg_sys::InvalidOid, |a| a.attcollation);
                let datum = crate::pg::first_row_datum(1).unwrap();
                let sql_id = crate::pg::first_row_datum(2).and_then(|d| i64::from_datum(d, false)).unwrap();
                let hasher = crate::engine::lock_hash::hasher(typid, collation).unwrap_or_else(|| panic!("no hasher for {value}"));
                assert_eq!(hasher.id(datum, -123456789), sql_id, "{value}");
            }
        }
    }
}
