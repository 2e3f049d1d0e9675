# Halaman web untuk pengunjung (/, /m/{code}, /ar/) — Bahasa Indonesia (bahasa utama).

## Setiap halaman
library = Perpustakaan Kota Metro
skip = Langsung ke isi
nav-label = Navigasi utama
# Nama bahasa lain, di tautan untuk berganti bahasa.
other-lang-name = English
footer = Perpustakaan Kota Metro, Lampung · Pindai kode di rak dengan aplikasi Pustaka AR.
# Lokal halaman (og:locale) dan nama hari/bulan pada waktu acara.
locale = id_ID
view-ar = Lihat dengan kamera AR

## Waktu acara, dalam WIB. Pola strftime (chrono): %A hari, %-d tanggal,
## %B bulan, %Y tahun, %H.%M jam; nama hari dan bulan mengikuti `locale`.
when-start = %A, %-d %B %Y, %H.%M
when-end-same-day = %H.%M
when-instant = %-d %B %Y, %H.%M
when-end-other-day = %-d %B %Y, %H.%M
when = { $start }–{ $end } WIB

## Halaman kode (/m/{code})
video = Video
download-video = Unduh video
event-details = Rincian acara
when-label = Waktu
where-label = Tempat
audience = Untuk
add-to-calendar = Tambahkan ke kalender
add-to-google-calendar = Tambahkan ke Google Kalender
register = Daftar
details = Keterangan
read-ebook = Baca e-book
share = Bagikan
synopsis = Sinopsis
about-shelf = Tentang rak ini
featured = Pilihan di rak ini
about-event = Tentang acara
narration = Cerita
kind-title = Buku
kind-shelf = Rak
kind-event = Acara
kind-tour-stop = Tur membaca
cover-of = Sampul buku { $title }
poster-of = Poster: { $title }
call-number = Nomor panggil
location = Lokasi
isbn = ISBN
subjects = Subjek
not-found-title = Kode tidak ditemukan
not-found-body = Maaf, kode ini tidak dikenal atau sudah tidak aktif. Tanyakan kepada pustakawan di meja layanan.

## Halaman depan (/)
home-heading = Pustaka AR
home-intro = Pustaka AR adalah teman augmented reality untuk pengunjung Perpustakaan Kota Metro. Arahkan kamera ponsel ke kode QR di rak, buku atau poster acara: sampul, sinopsis, video dan rincian acara muncul di layar. Tanpa aplikasi pun setiap kode membuka halaman web seperti ini.
home-how-heading = Cara memakai
home-how-1 = Cari kode QR pada label rak, sampul belakang buku atau poster acara.
home-how-2 = Pindai dengan aplikasi Pustaka AR, atau dengan kamera ponsel biasa.
home-how-3 = Baca, dengarkan atau tonton isinya; anak-anak bisa ikut tur membaca dan mengumpulkan lencana.
home-events-heading = Acara mendatang
home-no-events = Belum ada acara yang dijadwalkan. Tanyakan kepada pustakawan di meja layanan.
home-event-page = Selengkapnya
home-subscribe-heading = Kalender acara
home-subscribe-body = Semua acara perpustakaan dalam satu kalender (iCalendar, waktu WIB) untuk ponsel atau komputer Anda.
home-subscribe-link = Unduh kalender acara (.ics)
home-subscribe-webcal = Langganan kalender acara
home-subscribe-google = Langganan di Google Kalender (Android)
home-tours-heading = Tur membaca
home-no-tours = Belum ada tur membaca.
home-stops = perhentian
home-first-clue = Petunjuk pertama

## Kamera AR belum dipasang (/ar/)
ar-heading = Kamera AR belum tersedia di sini
ar-body = Aplikasi kamera AR untuk peramban belum dipasang di server perpustakaan ini. Semua kode tetap bisa dibuka sebagai halaman web biasa: pindai kode QR dengan kamera ponsel Anda, atau buka halaman web perpustakaan.
ar-code-link = Buka halaman kode
ar-home-link = Buka halaman web perpustakaan
event-over = Acara sudah lewat
event-over-hint = Acara ini sudah selesai. Lihat acara lain di perpustakaan.
when-unset = Tanggal belum diisi

## Recordings and captions on a code's page.
listen = Dengarkan
download-audio = Unduh rekamannya
captions-id = Bahasa Indonesia
captions-en = Bahasa Inggris
