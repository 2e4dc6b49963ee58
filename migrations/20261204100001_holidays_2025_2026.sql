-- National holidays (libur nasional) and collective leave (cuti bersama) of 2025 and 2026, as
-- set by the joint decrees of the Minister of Religious Affairs, the Minister of Manpower and the
-- Minister for Administrative Reform (SKB Tiga Menteri):
--   2025: Nomor 1017 Tahun 2024, Nomor 2 Tahun 2024, Nomor 2 Tahun 2024 (14 October 2024),
--         amended by Nomor 933 Tahun 2025, Nomor 1 Tahun 2025, Nomor 3 Tahun 2025
--         (7 August 2025: cuti bersama on 18 August 2025);
--   2026: Nomor 1497 Tahun 2025, Nomor 2 Tahun 2025, Nomor 5 Tahun 2025.
-- Days falling on a weekend are listed too, so the calendar page shows the whole decree.
-- Collective leave counts as a non-working day: government desks are closed on it.
-- Days already entered (by the first migration or the administrator) keep their name.
INSERT INTO holidays (day, name) VALUES
    ('2025-01-01', 'Tahun Baru 2025 Masehi'),
    ('2025-01-27', 'Isra Mikraj Nabi Muhammad SAW'),
    ('2025-01-28', 'Cuti bersama Tahun Baru Imlek'),
    ('2025-01-29', 'Tahun Baru Imlek 2576 Kongzili'),
    ('2025-03-28', 'Cuti bersama Hari Suci Nyepi'),
    ('2025-03-29', 'Hari Suci Nyepi (Tahun Baru Saka 1947)'),
    ('2025-03-31', 'Idulfitri 1446 Hijriah'),
    ('2025-04-01', 'Idulfitri 1446 Hijriah'),
    ('2025-04-02', 'Cuti bersama Idulfitri 1446 Hijriah'),
    ('2025-04-03', 'Cuti bersama Idulfitri 1446 Hijriah'),
    ('2025-04-04', 'Cuti bersama Idulfitri 1446 Hijriah'),
    ('2025-04-07', 'Cuti bersama Idulfitri 1446 Hijriah'),
    ('2025-04-18', 'Wafat Yesus Kristus'),
    ('2025-04-20', 'Kebangkitan Yesus Kristus (Paskah)'),
    ('2025-05-01', 'Hari Buruh Internasional'),
    ('2025-05-12', 'Hari Raya Waisak 2569 BE'),
    ('2025-05-13', 'Cuti bersama Hari Raya Waisak'),
    ('2025-05-29', 'Kenaikan Yesus Kristus'),
    ('2025-05-30', 'Cuti bersama Kenaikan Yesus Kristus'),
    ('2025-06-01', 'Hari Lahir Pancasila'),
    ('2025-06-06', 'Iduladha 1446 Hijriah'),
    ('2025-06-09', 'Cuti bersama Iduladha 1446 Hijriah'),
    ('2025-06-27', '1 Muharam Tahun Baru Islam 1447 Hijriah'),
    ('2025-08-17', 'Proklamasi Kemerdekaan'),
    ('2025-08-18', 'Cuti bersama HUT ke-80 Kemerdekaan RI'),
    ('2025-09-05', 'Maulid Nabi Muhammad SAW'),
    ('2025-12-25', 'Kelahiran Yesus Kristus'),
    ('2025-12-26', 'Cuti bersama Kelahiran Yesus Kristus'),

    ('2026-01-01', 'Tahun Baru 2026 Masehi'),
    ('2026-01-16', 'Isra Mikraj Nabi Muhammad SAW'),
    ('2026-02-16', 'Cuti bersama Tahun Baru Imlek'),
    ('2026-02-17', 'Tahun Baru Imlek 2577 Kongzili'),
    ('2026-03-18', 'Cuti bersama Hari Suci Nyepi'),
    ('2026-03-19', 'Hari Suci Nyepi (Tahun Baru Saka 1948)'),
    ('2026-03-20', 'Cuti bersama Idulfitri 1447 Hijriah'),
    ('2026-03-21', 'Idulfitri 1447 Hijriah'),
    ('2026-03-22', 'Idulfitri 1447 Hijriah'),
    ('2026-03-23', 'Cuti bersama Idulfitri 1447 Hijriah'),
    ('2026-03-24', 'Cuti bersama Idulfitri 1447 Hijriah'),
    ('2026-04-03', 'Wafat Yesus Kristus'),
    ('2026-04-05', 'Kebangkitan Yesus Kristus (Paskah)'),
    ('2026-05-01', 'Hari Buruh Internasional'),
    ('2026-05-14', 'Kenaikan Yesus Kristus'),
    ('2026-05-15', 'Cuti bersama Kenaikan Yesus Kristus'),
    ('2026-05-27', 'Iduladha 1447 Hijriah'),
    ('2026-05-28', 'Cuti bersama Iduladha 1447 Hijriah'),
    ('2026-05-31', 'Hari Raya Waisak 2570 BE'),
    ('2026-06-01', 'Hari Lahir Pancasila'),
    ('2026-06-16', '1 Muharam Tahun Baru Islam 1448 Hijriah'),
    ('2026-08-17', 'Proklamasi Kemerdekaan'),
    ('2026-08-25', 'Maulid Nabi Muhammad SAW'),
    ('2026-12-24', 'Cuti bersama Kelahiran Yesus Kristus'),
    ('2026-12-25', 'Kelahiran Yesus Kristus')
ON CONFLICT (day) DO NOTHING;
