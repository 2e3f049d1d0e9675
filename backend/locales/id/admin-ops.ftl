# Kantor belakang Pustaka AR — bagian operasional (pustaka media, impor katalog,
# pengaturan). Bahasa Indonesia (bahasa utama).

## Unggahan (bersama)
ops-upload-sending = Mengunggah…
ops-upload-refused = Unggahan ditolak
ops-upload-no-file = Pilih berkas dulu, lalu kirim lagi.
ops-upload-empty = Berkas itu kosong.
ops-upload-too-large = { $what } terlalu besar. Batasnya { $mb } MB; perkecil berkasnya atau minta admin menaikkan batas di Pengaturan.
ops-upload-too-large-js = Berkas ini terlalu besar. Batasnya { "{" }mb{ "}" } MB; perkecil berkasnya atau minta admin menaikkan batas di Pengaturan.
ops-upload-failed-js = Unggahan terputus sebelum selesai. Periksa sambungan lalu coba lagi.
ops-upload-broken = Unggahan tidak lengkap atau rusak. Coba kirim lagi.
ops-upload-server-error = Server gagal menyimpan unggahan; coba lagi.

## Pustaka media
ops-media-upload = Unggah berkas baru
ops-media-kind = Jenis
ops-media-kind-image = Gambar
ops-media-kind-video = Video
ops-media-kind-audio = Audio
ops-media-caps = Batas ukuran:
ops-media-label = Nama
ops-media-label-hint = Boleh dikosongkan: nama berkas yang dipakai.
ops-media-file = Berkas
ops-media-upload-button = Unggah
ops-media-library = Semua berkas
ops-media-show = Tampilkan
ops-media-all-kinds = Semua jenis
ops-media-filter = Saring
ops-media-count = Jumlah berkas
ops-media-preview = Pratinjau
ops-media-size = Ukuran
ops-media-dims = Dimensi / durasi
ops-media-used-by = Dipakai di
ops-media-unused = Belum dipakai
ops-media-role-cover = sampul
ops-media-role-trailer = cuplikan
ops-media-role-narration = narasi
ops-media-role-poster = poster
ops-media-role-promo = video promosi
ops-media-role-badge = lencana
ops-media-choose-kind = Pilih jenis berkas: gambar, video, atau audio.
ops-media-wrong-type = Isi berkas ini bukan { $kind } yang dipilih (atau formatnya tidak didukung). Gambar: JPEG, PNG, WebP; video: MP4, MOV, WebM, MKV; audio: MP3, M4A, Ogg.
ops-media-too-many-pixels = Gambar ini punya terlalu banyak piksel untuk diolah (paling banyak { $px } piksel per sisi, sekitar 60 megapiksel). Perkecil gambarnya lalu unggah lagi.
ops-media-undecodable = Berkas ini tampak seperti { $kind }, tetapi rusak dan tidak bisa dibaca.
ops-media-tool-failed = Video ini tidak bisa diolah. Coba ekspor ulang sebagai MP4 dari ponsel atau aplikasi penyunting.
ops-media-uploaded = Berkas tersimpan di pustaka media.
ops-media-stored = Disimpan
ops-media-address = Alamat
ops-media-use-kind = Jenis isi
ops-media-use-name = Nama
ops-media-use-role = Sebagai
ops-media-rename = Ganti nama
ops-media-label-saved = Nama berkas tersimpan.
ops-media-replace = Ganti berkas
ops-media-replace-hint = Berkas baru dipakai di semua tempat yang memakai berkas ini (juga di draf), sekaligus. Berkas lama tetap ada di pustaka.
ops-media-new-file = Berkas pengganti
ops-media-replace-button = Ganti di semua tempat
ops-media-replaced = Berkas diganti; { $count } pemakaian kini memakai berkas baru.
ops-media-same-file = Berkas itu sama persis dengan yang sekarang; tidak ada yang berubah.

## Impor katalog
ops-import-upload = Unggah berkas katalog
ops-import-hint = MARC21 (.mrc, .marc, .dat; UTF-8 atau MARC-8), MARCXML (.xml), atau CSV ekspor SLiMS, INLISLite, Koha. Judul yang sudah ada (ISBN atau nomor kendali sama) diperbarui; judul baru langsung tampil untuk pengunjung.
ops-import-file = Berkas katalog
ops-import-button = Impor
ops-import-report = Hasil impor
ops-import-format = Format
ops-import-records = Rekaman dalam berkas
ops-import-imported = Judul baru
ops-import-updated = Judul diperbarui
ops-import-skipped = Dilewati
ops-import-skipped-why = Rekaman yang dilewati dan sebabnya
ops-import-record-no = Rekaman ke-
ops-import-record-id = Nomor kendali / ISBN
ops-import-reason = Sebab
ops-import-more-skips = Rekaman lain yang dilewati (tidak ditampilkan)
ops-import-see-titles = Lihat daftar judul
ops-import-unknown-format = Berkas ini bukan MARC21, MARCXML, atau CSV.

## Pengaturan
ops-settings-caps = Batas ukuran unggahan
ops-settings-caps-hint = Dalam megabita (MB). Kosongkan untuk memakai bawaan server.
ops-settings-cap-image = Gambar
ops-settings-cap-video = Video
ops-settings-cap-audio = Audio
ops-settings-cap-catalog = Berkas katalog
ops-settings-default = Bawaan server
ops-settings-max = Paling besar
ops-settings-bad-cap = { $what }: isi bilangan bulat dari 1 sampai { $max }, atau kosongkan.
ops-settings-saved = Pengaturan tersimpan.
