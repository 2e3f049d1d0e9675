# Pustaka AR — teks aplikasi (Bahasa Indonesia, bahasa utama)
app-name = Pustaka AR
scan-hint = Arahkan kamera ke kode QR
codes-in-view = { $count ->
    [0] Belum ada kode terlihat
   *[other] { $count } kode terlihat
}
no-connection = Tidak ada koneksi ke server
offline-banner = Luring: menampilkan konten tersimpan
loading = Memuat { $code }…
not-found = Kode { $code } tidak ditemukan
server-unreachable = Tidak bisa terhubung ke server, mencoba lagi…
foreign-code = Bukan kode perpustakaan
foreign-code-domain = Bukan kode perpustakaan · { $domain }
tap-for-more = Ketuk untuk selengkapnya
featured-heading = Pilihan di rak ini
featured-more = dan { $count } lainnya
close = Tutup
read-aloud = Bacakan
stop-reading = Berhenti membacakan
add-to-calendar = Tambahkan ke kalender
open-ebook = Buka e-book
watch-trailer = Tonton cuplikan
open-web-page = Buka halaman web
read-ebook = Baca e-book
language = Bahasa
camera-lost = Kamera tidak tersedia atau terputus, mencoba lagi…
video-loading = Memuat video…
video-unavailable = Video tidak dapat diputar di aplikasi
video-needs-ffmpeg = Pemutar video (ffmpeg) tidak terpasang; tonton lewat peramban
video-play = Putar
video-pause = Jeda
video-replay = Putar lagi
sound = Suara
sound-hint = Nyalakan atau matikan suara video (ketuk videonya juga bisa)
sound-unavailable = Suara tidak tersedia
no-voice = Ponsel ini tidak punya suara berbahasa Indonesia untuk membacakan teks
